/**
 * pino with the places secrets travel redacted, so a debug level can never
 * print a password, a client secret, a one-time code or a token.
 */
import { pino, type DestinationStream, type Logger } from 'pino';

/** Field names that carry a secret wherever they appear (top level or one level down). */
const SECRET_FIELDS = [
  'password', 'client_secret', 'clientSecret', 'token', 'code', 'adminToken', 'access_token', 'refresh_token', 'id_token',
  'code_verifier', 'client_assertion', 'subject_token', 'payload', 'preauth_payload', 'assertion', 'authorization', 'cookie',
];

const SECRETS = new Set(SECRET_FIELDS);
const CENSOR = '[redacted]';
/** Deep enough for `req.headers.authorization` and one level more. */
const MAX_DEPTH = 4;

/**
 * The value with every property named in SECRET_FIELDS censored, at any
 * depth up to MAX_DEPTH (pino's own `redact` paths cover less, at about ten
 * times the cost per line). Nothing is copied unless something is censored,
 * and the caller's object is never changed.
 */
export function censorSecrets(value: unknown, depth = 0): unknown {
  if (depth > MAX_DEPTH || value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) {
    let copy: unknown[] | undefined;
    value.forEach((item, i) => {
      const next = censorSecrets(item, depth + 1);
      if (next !== item) (copy ??= [...value])[i] = next;
    });
    return copy ?? value;
  }
  let copy: Record<string, unknown> | undefined;
  for (const key of Object.keys(value)) {
    const item = (value as Record<string, unknown>)[key];
    const next = SECRETS.has(key) ? CENSOR : censorSecrets(item, depth + 1);
    if (next !== item) (copy ??= { ...value })[key] = next;
  }
  return copy ?? value;
}

/** The standalone server's logger: stdout unless a destination is given. */
export function createLogger(level: string, destination?: DestinationStream): Logger {
  const options = { level, formatters: { log: (object: Record<string, unknown>) => censorSecrets(object) as Record<string, unknown> } };
  return destination ? pino(options, destination) : pino(options);
}

/** Percent-decodes one segment as far as it goes; a malformed escape stays as sent. */
function decodeSegment(segment: string): string {
  let out = segment;
  // Twice at most: `%2570` is what a proxy that decodes once would turn into `%70`.
  for (let i = 0; i < 2 && out.includes('%'); i++) {
    try {
      out = decodeURIComponent(out);
    } catch {
      break;
    }
  }
  return out;
}

/**
 * The path as it may be logged: whatever follows a segment that reads
 * `preauth` (after percent-decoding and case-folding, so `/PREAUTH/…`,
 * `//preauth/…` and `/%70reauth/…` alike) is replaced, because it may be a
 * one-time code. The query string is never logged.
 */
export function safePath(url: string): string {
  const path = url.split('?')[0]!.split('#')[0]!;
  const segments = path.split('/');
  for (let i = 0; i < segments.length; i++) {
    // A decoded `/` inside one segment (`preauth%2F<code>`) counts too.
    const parts = decodeSegment(segments[i]!).toLowerCase().split(/[/\\]/);
    // `startsWith`, so `/preauth;<code>` or `/preauth%00<code>` lose their tail too.
    const at = parts.findIndex((part) => part.trimStart().startsWith('preauth'));
    if (at === -1) continue;
    const after = [parts[at]!.trimStart().slice('preauth'.length), ...parts.slice(at + 1), ...segments.slice(i + 1)].join('');
    return [...segments.slice(0, i), 'preauth', ...(after ? ['[code]'] : [])].join('/');
  }
  return path;
}

/**
 * An unexpected error as it may be logged: its type, code and stack frames,
 * but not its message, which often quotes the input it choked on (V8's JSON
 * errors do) and so could carry a password, token or payload.
 */
export function loggableError(err: unknown): Record<string, unknown> {
  if (!(err instanceof Error)) return { type: typeof err };
  const frames = (err.stack ?? '').split('\n').filter((line) => /^\s+at /.test(line)).map((line) => line.trim());
  const code = (err as { code?: unknown }).code;
  // Not `code`: that name is redacted everywhere (one-time codes travel under it).
  return { type: err.name, ...(typeof code === 'string' || typeof code === 'number' ? { errorCode: code } : {}), frames };
}
