/**
 * Every layer of client validation, as one list of `details`:
 * 1. the shape of every known field (client-schema.ts), all at once;
 * 2. oidc-provider's own `Client.validate`, the rules it enforces when it
 *    loads the client (required fields, supported values, consistency). It
 *    reports one problem at a time, so its error is one more entry;
 * 3. what the server cannot honour although well-formed (client-honour.ts):
 *    properties oidc-provider does not recognise here (it would drop them
 *    silently, while the store kept them), and back-channel logout URIs it
 *    would never deliver to.
 *
 * Layers 2 and 3 run on the metadata without the fields layer 1 already
 * refused, so a problem elsewhere is still found, and a complaint about a
 * refused field (now missing) is not reported twice. A malformed body is
 * `invalid_request`; well-formed metadata the server cannot honour is
 * `invalid_client_metadata` (contract §3).
 */
import type { ClientMetadata, Provider as OidcProvider } from 'oidc-provider';
import { HttpError, type ErrorDetail } from '../errors.js';
import { unhonouredProblems } from '../oidc/client-honour.js';
import { shapeProblems } from './client-schema.js';

type Metadata = Record<string, unknown>;

/** oidc-provider's messages start with the property they are about, when there is one. */
function fieldOf(message: string, metadata: Metadata, schema: object): string {
  const word = /^([a-z][a-z0-9_]*)\b/.exec(message)?.[1];
  if (!word) return 'metadata';
  const known = (schema as { properties?: Metadata }).properties ?? {};
  return word in metadata || word in known || word.includes('_') ? word : 'metadata';
}

async function libraryProblem(oidc: OidcProvider, metadata: Metadata, schema: object): Promise<ErrorDetail | undefined> {
  try {
    await oidc.Client.validate(metadata as ClientMetadata);
    return undefined;
  } catch (err) {
    // InvalidClientMetadata carries the human text in error_description;
    // anything else thrown while judging the input is still about the input.
    const described = (err as { error_description?: unknown }).error_description;
    const message = typeof described === 'string' ? described : (err as Error).message;
    return { field: fieldOf(message, metadata, schema), message };
  }
}

/**
 * oidc-provider messages that describe a malformed body (a missing or
 * wrongly typed field, a value that is not a URI) rather than well-formed
 * metadata the server cannot honour: those are `invalid_request` too.
 */
const MALFORMED = [
  /is mandatory property$/, /must be an array$/, /must only contain strings$/, /must be a boolean$/,
  /must be a non-negative integer$/, /must only contain valid uris$/,
  /^contacts can only contain email addresses$/, /^jwks or jwks_uri is mandatory/,
];

export interface ClientCheck {
  details: ErrorDetail[];
  /** Some field has the wrong shape (layer 1), as opposed to values the server cannot honour. */
  malformed: boolean;
}

export async function checkClient(
  oidc: OidcProvider,
  schema: object,
  providerIds: string[],
  metadata: Metadata,
): Promise<ClientCheck> {
  const details = shapeProblems(schema, metadata, providerIds);
  const malformed = details.length > 0;
  const refused = new Set(details.map((d) => d.field));
  const rest = Object.fromEntries(Object.entries(metadata).filter(([key]) => !refused.has(key)));
  for (const problem of unhonouredProblems(oidc, rest)) {
    refused.add(problem.field);
    details.push(problem);
  }
  const problem = await libraryProblem(oidc, rest, schema);
  let malformedByLibrary = false;
  if (problem && !refused.has(problem.field)) {
    details.push(problem);
    malformedByLibrary = MALFORMED.some((pattern) => pattern.test(problem.message));
  }
  return { details, malformed: malformed || malformedByLibrary };
}

export async function clientProblems(
  oidc: OidcProvider,
  schema: object,
  providerIds: string[],
  metadata: Metadata,
): Promise<ErrorDetail[]> {
  return (await checkClient(oidc, schema, providerIds, metadata)).details;
}

/** The admin API's answer to a failed check, if it failed. */
export function clientCheckError({ details, malformed }: ClientCheck): HttpError | undefined {
  if (!details.length) return undefined;
  return malformed
    ? new HttpError(400, 'invalid_request', 'invalid client metadata', details)
    : new HttpError(400, 'invalid_client_metadata', 'client metadata this server cannot honour', details);
}
