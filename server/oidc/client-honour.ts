/**
 * Client metadata that is well-formed but that this server would not honour,
 * refused at registration instead of stored and ignored (contract §2).
 *
 * oidc-provider keeps only the properties it recognises with the features
 * enabled here (plus handoff's extensions) and silently drops the rest: with
 * encryption off, `id_token_encrypted_response_alg` is simply not read, and
 * the admin API used to store it anyway. Which properties are recognised
 * depends on the library's feature set, so it is asked, not listed again:
 * each property is tried alone on a minimal valid client. A recognised
 * property survives into `metadata()` or is judged (and may throw); an
 * unrecognised one is dropped before any judgement, so it can do neither.
 */
import type { ClientMetadata, Provider as OidcProvider } from 'oidc-provider';
import type { ErrorDetail } from '../errors.js';
import { backchannelUriProblem } from './backchannel-logout.js';

type Metadata = Record<string, unknown>;
/** The constructor oidc-provider itself uses to load a client (its typings omit the argument). */
type ClientConstructor = new (metadata: ClientMetadata) => { metadata(): Metadata };

const PROBE: Metadata = { client_id: 'probe', client_secret: 'probe', redirect_uris: ['https://probe.invalid/cb'] };

function recognised(oidc: OidcProvider, key: string, value: unknown): boolean {
  if (key in PROBE) return true;
  try {
    const client = new (oidc.Client as unknown as ClientConstructor)({ ...PROBE, [key]: value } as ClientMetadata);
    return Object.hasOwn(client.metadata(), key);
  } catch {
    return true; // judged, so recognised; layer 2 reports what is wrong with it
  }
}

export function unhonouredProblems(oidc: OidcProvider, metadata: Metadata): ErrorDetail[] {
  const details: ErrorDetail[] = [];
  for (const [key, value] of Object.entries(metadata)) {
    if (!recognised(oidc, key, value)) {
      details.push({ field: key, message: 'is not client metadata this server supports; it would be ignored' });
    }
  }
  const backchannel = backchannelUriProblem(metadata.backchannel_logout_uri, oidc.issuer);
  if (backchannel) details.push({ field: 'backchannel_logout_uri', message: backchannel });
  return details;
}
