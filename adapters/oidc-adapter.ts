/**
 * oidc-provider's Adapter, built once on the Store interface so both stores
 * get it for free. Each oidc-provider model is one store collection named
 * `oidc_<Model>`.
 *
 * Opaque bearer values (access and refresh tokens, authorization codes,
 * client-credentials tokens, session ids) are stored only under their
 * SHA-256: oidc-provider always looks them up by value, so hashing here is
 * transparent to it, and a copy of the store holds nothing usable.
 */
import { createHash } from 'node:crypto';
import type { Adapter, AdapterPayload } from 'oidc-provider';
import type { Store, StoredRecord } from './store.js';

/** Models whose id is a secret the holder presents; see the header. */
const HASHED_MODELS = new Set(['AccessToken', 'RefreshToken', 'AuthorizationCode', 'ClientCredentials', 'Session']);
/**
 * `findByUid` cannot give a hashed record its value back, so such a record's
 * `jti` is its stored key with this prefix. `upsert` and `destroy` accept it
 * (the model can still be saved or destroyed); `find` and `consume` hash
 * whatever they get, so a stored key presented as a token finds nothing.
 */
const STORED_KEY = 'sha256:';
const sha256 = (value: string) => createHash('sha256').update(value).digest('hex');

/** What is written for a payload: never the value itself. */
function storable(model: string, payload: AdapterPayload): AdapterPayload {
  if (HASHED_MODELS.has(model)) {
    const { jti: _value, ...rest } = payload;
    return rest;
  }
  // An Interaction copies the session id as `session.cookie`; oidc-provider never reads it back.
  if (model === 'Interaction' && payload.session && 'cookie' in payload.session) {
    const { cookie: _sessionId, ...session } = payload.session as Record<string, unknown>;
    return { ...payload, session: session as AdapterPayload['session'] };
  }
  return payload;
}

export interface OidcAdapterHooks {
  /** A grant was revoked or destroyed: whatever hangs off it must go too. */
  grantGone?(grantId: string): Promise<void>;
}

export const oidcCollection = (model: string) => `oidc_${model}`;

export function oidcAdapterFactory(store: Store, hooks: OidcAdapterHooks = {}) {
  return class StoreAdapter implements Adapter {
    readonly #collection: string;
    readonly #hashed: boolean;

    constructor(readonly model: string) {
      this.#collection = oidcCollection(model);
      this.#hashed = HASHED_MODELS.has(model);
    }

    /** The store key of a value that a client or browser presented. */
    #key(value: string): string {
      return this.#hashed ? sha256(value) : value;
    }

    /** Also takes a key handed out by findByUid; only for writes, never for look-ups by value. */
    #storedKey(id: string): string {
      return this.#hashed && id.startsWith(STORED_KEY) ? id.slice(STORED_KEY.length) : this.#key(id);
    }

    async upsert(id: string, payload: AdapterPayload, expiresIn?: number): Promise<void> {
      // A session without a login holds nothing worth keeping: a request that
      // carries no session (e.g. a cookie-less GET /session/end) must not grow
      // the store. See server/oidc/logout-without-session.ts.
      if (this.model === 'Session' && !payload.accountId) return;
      const record: StoredRecord<AdapterPayload> = {
        id: this.#storedKey(id),
        data: storable(this.model, payload),
        expiresAt: expiresIn ? Date.now() + expiresIn * 1000 : null,
        consumedAt: null,
        grantId: payload.grantId,
        uid: payload.uid,
        userCode: payload.userCode,
        clientId: payload.clientId,
        // Sessions and grants are found by account when it is deleted.
        sub: this.model === 'Session' || this.model === 'Grant' ? payload.accountId : undefined,
      };
      await store.put(this.#collection, record);
    }

    async find(id: string): Promise<AdapterPayload | undefined> {
      return this.#payload(await store.get<AdapterPayload>(this.#collection, this.#key(id)), id);
    }

    async findByUid(uid: string): Promise<AdapterPayload | undefined> {
      const [record] = await store.findBy<AdapterPayload>(this.#collection, 'uid', uid);
      return this.#payload(record, record && this.#hashed ? STORED_KEY + record.id : undefined);
    }

    async findByUserCode(userCode: string): Promise<AdapterPayload | undefined> {
      const [record] = await store.findBy<AdapterPayload>(this.#collection, 'userCode', userCode);
      return this.#payload(record);
    }

    async consume(id: string): Promise<void> {
      await store.consume(this.#collection, this.#key(id));
    }

    async destroy(id: string): Promise<void> {
      // Not hooked for Session: oidc-provider also destroys a session's old id
      // when it merely rotates it. Logout revokes the grants, which is hooked.
      await store.delete(this.#collection, this.#storedKey(id));
      if (this.model === 'Grant') await hooks.grantGone?.(id);
    }

    async revokeByGrantId(grantId: string): Promise<void> {
      await store.deleteBy(this.#collection, 'grantId', grantId);
      if (this.model === 'Grant') await hooks.grantGone?.(grantId);
    }

    /** The payload as oidc-provider saved it; `jti` (not stored for hashed models) comes back from the look-up. */
    #payload(record: StoredRecord<AdapterPayload> | undefined, jti?: string): AdapterPayload | undefined {
      if (!record) return undefined;
      const payload = this.#hashed && jti !== undefined ? { ...record.data, jti } : record.data;
      // oidc-provider reads `consumed` from the payload to detect code re-use.
      return record.consumedAt ? { ...payload, consumed: Math.floor(record.consumedAt / 1000) } : payload;
    }
  };
}
