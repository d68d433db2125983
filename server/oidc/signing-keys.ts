/**
 * oidc-provider reads its signing keys once, at construction (`jwks`). Its
 * own keystore initializer (lib/helpers/initialize_keystore.js) rebuilds the
 * keystore and the published JWKS of a running provider from a new set, with
 * the same checks as at construction; that is how a rotation, made here or by
 * another instance on the same store, takes effect without a restart. Every
 * instance re-reads the stored set every `intervalMs` (one small query) and
 * installs it when its kids changed.
 */
import type { JWK } from 'jose';
import type { Provider as OidcProvider, Configuration } from 'oidc-provider';
import type { Logger } from 'pino';

type Initialize = (this: OidcProvider, jwks: { keys: JWK[] }) => void;
// A path string keeps TypeScript from looking for types the library does not ship for its internals.
const INITIALIZER = 'oidc-provider/lib/helpers/initialize_keystore.js';
const { default: initializeKeystore } = (await import(INITIALIZER)) as { default: Initialize };

const kidsOf = (jwks: { keys: JWK[] }) => jwks.keys.map((k) => k.kid).join(' ');

/**
 * How long a retired signing key must stay published: the longest lifetime of
 * anything signed with it (ID tokens, logout tokens, JWT access tokens), plus
 * five minutes for clocks and caches.
 */
export function signedTokenLifetime(ttl: Configuration['ttl']): number {
  const lifetimes = ['IdToken', 'AccessToken', 'ClientCredentials'].map((name) => (ttl as Record<string, unknown> | undefined)?.[name]);
  const longest = Math.max(3600, ...lifetimes.filter((v): v is number => typeof v === 'number'));
  return longest + 300;
}

export interface SigningKeys {
  /** Re-reads the stored set now and installs it if it changed. */
  reload(): Promise<void>;
  /** Stops the periodic reload. */
  stop(): void;
}

export function watchSigningKeys(
  oidc: OidcProvider,
  initial: { keys: JWK[] },
  read: () => Promise<{ keys: JWK[] }>,
  intervalMs: number,
  log: Logger,
): SigningKeys {
  let installed = kidsOf(initial);
  async function reload() {
    const jwks = await read();
    const kids = kidsOf(jwks);
    if (kids === installed) return;
    initializeKeystore.call(oidc, jwks);
    installed = kids;
    log.info({ kids: jwks.keys.map((k) => k.kid) }, 'signing keys reloaded');
  }
  const timer = setInterval(() => {
    reload().catch((err) => log.warn({ err: String((err as Error)?.message ?? err) }, 'signing keys not reloaded; keeping the current ones'));
  }, intervalMs);
  timer.unref();
  return { reload, stop: () => clearInterval(timer) };
}
