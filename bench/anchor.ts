/**
 * The anchor of `npm run bench`: a minimal plain oidc-provider 9 server doing
 * an authorization-code flow with PKCE and an ES256 ID token. Storage is a
 * small Map adapter (not oidc-provider's built-in 1000-entry LRU, which
 * evicts under load), the client is static, and the interaction signs in a
 * fixed account at once, with no password hashing and no page. It is a fixed
 * reference for what the protocol work alone costs, not the product.
 *
 * With ANCHOR_STORE=sqlite (`npm run bench -- --anchor-store sqlite`) it
 * keeps its records in this project's SQLite store instead, through the same
 * adapter handoff uses, to tell what durable storage costs a plain login
 * apart from what the two-step login adds. The default stays the Map.
 *
 * Env: PORT, ISSUER; HANDOFF_STORE_OPS_FILE (SIGUSR2 writes adapter call counts there); ANCHOR_STORE.
 */
import { createServer } from 'node:http';
import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { calculateJwkThumbprint, exportJWK, generateKeyPair } from 'jose';
import { Provider, type Adapter, type AdapterPayload } from 'oidc-provider';
import { oidcAdapterFactory } from '../adapters/oidc-adapter.js';
import { createSqliteStore } from '../adapters/sqlite.js';
import { ANCHOR_ACCOUNT, ANCHOR_CLIENT, ANCHOR_REDIRECT } from './anchor-client.js';


const port = Number(process.env.PORT ?? 3100);
const issuer = process.env.ISSUER ?? `http://127.0.0.1:${port}`;

const counts: Record<string, number> = {};
const count = (op: string) => { counts[op] = (counts[op] ?? 0) + 1; };
if (process.env.HANDOFF_STORE_OPS_FILE) {
  const file = process.env.HANDOFF_STORE_OPS_FILE;
  process.on('SIGUSR2', () => writeFileSync(file, JSON.stringify(counts)));
  writeFileSync(`${file}.pid`, String(process.pid));
}

interface Entry { payload: AdapterPayload; expiresAt: number }
const models = new Map<string, Map<string, Entry>>();
const byUid = new Map<string, string>();
const byGrant = new Map<string, Set<string>>();

/** Plain Maps: the cheapest storage there is, so the anchor measures protocol work only. */
class MapAdapter implements Adapter {
  readonly #items: Map<string, Entry>;

  constructor(readonly model: string) {
    this.#items = models.get(model) ?? new Map();
    models.set(model, this.#items);
  }

  async upsert(id: string, payload: AdapterPayload, expiresIn?: number) {
    count(`upsert ${this.model}`);
    this.#items.set(id, { payload, expiresAt: expiresIn ? Date.now() + expiresIn * 1000 : Infinity });
    if (payload.uid) byUid.set(payload.uid, id);
    if (payload.grantId) {
      const key = `${this.model}:${id}`;
      const members = byGrant.get(payload.grantId) ?? new Set();
      members.add(key);
      byGrant.set(payload.grantId, members);
    }
  }

  #live(id: string | undefined) {
    const entry = id === undefined ? undefined : this.#items.get(id);
    if (!entry) return undefined;
    if (entry.expiresAt <= Date.now()) {
      this.#items.delete(id!);
      return undefined;
    }
    return entry.payload;
  }

  async find(id: string) { count(`find ${this.model}`); return this.#live(id); }
  async findByUid(uid: string) { count(`findByUid ${this.model}`); return this.#live(byUid.get(uid)); }
  async findByUserCode() { count(`findByUserCode ${this.model}`); return undefined; }

  async consume(id: string) {
    count(`consume ${this.model}`);
    const payload = this.#live(id);
    if (payload) payload.consumed = Math.floor(Date.now() / 1000);
  }

  async destroy(id: string) {
    count(`destroy ${this.model}`);
    const payload = this.#items.get(id)?.payload;
    if (payload?.uid && byUid.get(payload.uid) === id) byUid.delete(payload.uid);
    this.#items.delete(id);
  }

  async revokeByGrantId(grantId: string) {
    count(`revokeByGrantId ${this.model}`);
    for (const key of byGrant.get(grantId) ?? []) {
      const at = key.indexOf(':');
      models.get(key.slice(0, at))?.delete(key.slice(at + 1));
    }
    byGrant.delete(grantId);
  }
}

// Without this, expired records of finished flows would pile up over a run.
setInterval(() => {
  const now = Date.now();
  for (const items of models.values()) for (const [id, e] of items) if (e.expiresAt <= now) items.delete(id);
}, 10_000).unref();

/** The project's SQLite store behind the project's oidc-provider adapter, its calls counted like the Map's. */
async function sqliteAdapter(): Promise<new (model: string) => Adapter> {
  const store = createSqliteStore({ file: 'anchor.sqlite' });
  await store.init();
  const Base = oidcAdapterFactory(store);
  return class CountedAdapter extends Base {
    override upsert(...a: Parameters<Adapter['upsert']>) { count(`upsert ${this.model}`); return super.upsert(...a); }
    override find(id: string) { count(`find ${this.model}`); return super.find(id); }
    override findByUid(uid: string) { count(`findByUid ${this.model}`); return super.findByUid(uid); }
    override consume(id: string) { count(`consume ${this.model}`); return super.consume(id); }
    override destroy(id: string) { count(`destroy ${this.model}`); return super.destroy(id); }
    override revokeByGrantId(grantId: string) { count(`revokeByGrantId ${this.model}`); return super.revokeByGrantId(grantId); }
  };
}

const { privateKey } = await generateKeyPair('ES256', { extractable: true });
const jwk = await exportJWK(privateKey);

const provider = new Provider(issuer, {
  adapter: process.env.ANCHOR_STORE === 'sqlite' ? await sqliteAdapter() : MapAdapter,
  clients: [{
    ...ANCHOR_CLIENT,
    redirect_uris: [ANCHOR_REDIRECT],
    grant_types: ['authorization_code'],
    response_types: ['code'],
    id_token_signed_response_alg: 'ES256',
  }],
  jwks: { keys: [{ ...jwk, kid: await calculateJwkThumbprint(jwk), alg: 'ES256', use: 'sig' }] as never },
  cookies: { keys: [randomBytes(32).toString('base64url')] },
  async findAccount(_ctx, sub) {
    return { accountId: sub, claims: () => ({ sub }) };
  },
  claims: { openid: ['sub', 'acr', 'amr', 'auth_time'] },
  features: { devInteractions: { enabled: false } },
  pkce: { required: () => true },
  interactions: { url: (_ctx, interaction) => `/interaction/${interaction.uid}` },
});

const handle = provider.callback();

createServer(async (req, res) => {
  if (req.method !== 'GET' || !req.url?.startsWith('/interaction/')) return handle(req, res);
  try {
    // The interaction: sign in the fixed account and grant the requested scopes, no page.
    const details = await provider.interactionDetails(req, res);
    const grant = new provider.Grant({ accountId: ANCHOR_ACCOUNT, clientId: String(details.params.client_id) });
    grant.addOIDCScope(String(details.params.scope));
    const grantId = await grant.save();
    await provider.interactionFinished(req, res, { login: { accountId: ANCHOR_ACCOUNT }, consent: { grantId } }, { mergeWithLastSubmission: false });
  } catch (err) {
    res.statusCode = 500;
    res.end(String((err as Error).message));
  }
}).listen(port, '127.0.0.1');

process.once('SIGTERM', () => process.exit(0));
