/**
 * Invalid UTF-8 is bad input (contract §8): refused with 400 invalid_request
 * rather than turned into U+FFFD and stored, echoed in a `state`, or signed.
 * Two spellings reach us: raw bytes in a body, and percent-escapes (`%FF`)
 * in a query string or a form body, which URLSearchParams and oidc-provider
 * would decode leniently.
 */
import type { Context, Next } from 'koa';
import { invalidRequest, writeError } from './errors.js';

const fatal = new TextDecoder('utf-8', { fatal: true });
/** An escape of a byte ≥ 0x80: the only ones that can be invalid UTF-8. */
const HIGH_ESCAPE = /%[89a-fA-F][0-9a-fA-F]/;
/** A run of consecutive escapes: every multi-byte character is encoded as one. */
const ESCAPE_RUN = /(?:%[0-9a-fA-F]{2})+/g;

/** True when some percent-escaped run does not decode as UTF-8. */
export function invalidPercentUtf8(text: string): boolean {
  if (!HIGH_ESCAPE.test(text)) return false;
  for (const run of text.match(ESCAPE_RUN) ?? []) {
    try {
      decodeURIComponent(run);
    } catch {
      return true;
    }
  }
  return false;
}

/** A form body as text; throws 400 invalid_request on invalid UTF-8 in either spelling. */
export function strictFormText(body: Buffer): string {
  let text: string;
  try {
    text = fatal.decode(body);
  } catch {
    throw invalidRequest('the request body is not valid UTF-8');
  }
  if (invalidPercentUtf8(text)) throw invalidRequest('the request body has a percent-escape that is not valid UTF-8');
  return text;
}

/** Refuses a query string whose percent-escapes are not UTF-8, on every route. */
export function strictQueryUtf8() {
  return async function strictQuery(ctx: Context, next: Next): Promise<void> {
    if (ctx.querystring && invalidPercentUtf8(ctx.querystring)) {
      return writeError(ctx, invalidRequest('the query string has a percent-escape that is not valid UTF-8'));
    }
    await next();
  };
}
