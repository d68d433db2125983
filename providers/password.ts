/**
 * `password`: the partner's back end relays a local account's username and
 * password. The password is only ever handed to `ctx.verifyPassword`; it is
 * kept out of the accepted payload, and out of every error message (which is
 * why JSON parse errors are replaced: V8 quotes the offending input).
 */
import { basicCredentials, defineProvider, invalidGrant, jsonResponse } from './define.js';

export interface PasswordPayload {
  username: string;
  password: string;
  data?: unknown;
}

const strictUtf8 = new TextDecoder('utf-8', { fatal: true });

function parseObject(text: string): PasswordPayload {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new Error('payload is not valid JSON');
  }
  if (!value || typeof value !== 'object' || Array.isArray(value)) throw new Error('payload must be a JSON object');
  return value as PasswordPayload;
}

export const password = defineProvider<PasswordPayload>({
  id: 'password',
  subjects: 'account',
  schema: {
    type: 'object',
    required: ['username', 'password'],
    properties: {
      username: { type: 'string', minLength: 1, maxLength: 256 },
      password: { type: 'string', minLength: 1, maxLength: 1024 },
      data: {},
    },
    additionalProperties: false,
  },
  fromGrant: parseObject,
  native: {
    contentTypes: ['application/json'],
    parse(req) {
      let text: string;
      try {
        text = strictUtf8.decode(req.body);
      } catch {
        throw new Error('body is not valid UTF-8');
      }
      return parseObject(text);
    },
    identify: (req) => basicCredentials(req.headers),
    respond: jsonResponse,
  },
  async authenticate(payload, ctx) {
    const account = await ctx.verifyPassword(payload.username, payload.password);
    // One message for unknown users and wrong passwords: no account enumeration.
    if (!account) throw invalidGrant('invalid username or password');
    return {
      sub: account.sub,
      claims: account.claims,
      amr: ['pwd'],
      // Both keys always present, so consumers of GET /handoff see one shape.
      payload: { username: payload.username, data: payload.data ?? null },
    };
  },
});
