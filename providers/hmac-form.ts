/**
 * `hmac-form`: a plain HTML-form-style request signed with HMAC-SHA256 under
 * the client secret. Native endpoint only (there is no `fromGrant`): the
 * signature, not a client authentication, proves the client.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import { defineProvider, HttpError, invalidGrant } from './define.js';
import { standardClaims } from './standard-claims.js';

const invalidClient = () => new HttpError(401, 'invalid_client', 'client authentication failed');

export type HmacFields = Record<string, string>;

const WINDOW = 300;
/**
 * A nonce is remembered this long past the last second its ts is accepted.
 * At the very edge (now - ts = WINDOW) the marker must still be live for every
 * replay in that second, and for a server clock a little behind another's.
 */
const MARKER_MARGIN = 300;

/**
 * The signed string: every field but `sig`, sorted by (decoded) name with
 * plain JS string comparison, i.e. by UTF-16 code units (not code points, not
 * locale order), each `encodeURIComponent(name)=encodeURIComponent(value)`,
 * joined with `&`.
 */
export function canonicalString(fields: HmacFields): string {
  return Object.keys(fields)
    .filter((name) => name !== 'sig')
    .sort((a, b) => (a < b ? -1 : a > b ? 1 : 0))
    .map((name) => `${encodeURIComponent(name)}=${encodeURIComponent(fields[name])}`)
    .join('&');
}

/** Lowercase hex HMAC-SHA256 of the canonical string, keyed with the UTF-8 secret. */
export function hmacFormSignature(fields: HmacFields, secret: string): string {
  return createHmac('sha256', Buffer.from(secret, 'utf8')).update(canonicalString(fields), 'utf8').digest('hex');
}

const form = (entries: Record<string, string>) => ({
  type: 'application/x-www-form-urlencoded',
  body: new URLSearchParams(entries).toString(),
});

export const hmacForm = defineProvider<HmacFields>({
  id: 'hmac-form',
  subjects: 'partner',
  schema: {
    type: 'object',
    required: ['client_id', 'sub', 'ts', 'nonce', 'sig'],
    properties: {
      client_id: { type: 'string', minLength: 1 },
      sub: { type: 'string', minLength: 1, maxLength: 255 },
      // Bounded so Number() stays exact.
      ts: { type: 'string', pattern: '^[0-9]{1,15}$' },
      // Any non-empty value (contract §5 sets no minimum); single use per client.
      nonce: { type: 'string', minLength: 1, maxLength: 255 },
      sig: { type: 'string', pattern: '^[0-9a-f]{64}$' },
    },
    additionalProperties: { type: 'string' },
  },
  native: {
    contentTypes: ['application/x-www-form-urlencoded'],
    parse(req) {
      // A null prototype so field names like `__proto__` are plain data.
      const fields: HmacFields = Object.create(null);
      for (const [name, value] of new URLSearchParams(req.body.toString('utf8'))) {
        // A repeated field would be ambiguous to sign; refuse it rather than pick one.
        if (Object.hasOwn(fields, name)) throw new Error(`field ${JSON.stringify(name)} is given more than once`);
        fields[name] = value;
      }
      return fields;
    },
    identify: (_req, fields) => (typeof fields.client_id === 'string' && fields.client_id
      ? { clientId: fields.client_id } : undefined),
    respond: (result) => form({ preauth_url: result.preauth_url, expires_in: String(result.expires_in) }),
    // A form has no room for the `details` array, so its entries join the description.
    respondError: (error) => form({
      error: error.error,
      ...(error.error_description ? {
        error_description: error.details?.length
          ? `${error.error_description}: ${error.details.map((d) => `${d.field} ${d.message}`).join('; ')}`
          : error.error_description,
      } : {}),
    }),
  },
  async authenticate(fields, ctx) {
    const ts = Number(fields.ts);
    if (Math.abs(ctx.now() - ts) > WINDOW) throw invalidGrant(`ts is not within ${WINDOW} seconds of the server time`);
    // The signature is the client authentication here: a wrong one is answered
    // exactly like an unknown client (contract §4b).
    const secret = ctx.client.clientSecret;
    if (!secret) throw invalidClient();
    const expected = Buffer.from(hmacFormSignature(fields, secret), 'utf8');
    const given = Buffer.from(fields.sig, 'utf8');
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) throw invalidClient();
    // Only after the signature check, so a forged request cannot burn a nonce.
    // Remembered well past the last moment this ts is still inside the window.
    if (!(await ctx.markUsed('nonce', fields.nonce, ts + WINDOW + MARKER_MARGIN))) throw invalidGrant('nonce was already used');
    const { sig: _sig, ...payload } = fields;
    // Fields named like standard string claims (email, name, …) become OpenID claims.
    return { sub: fields.sub, claims: standardClaims(payload), amr: ['pop'], payload };
  },
});
