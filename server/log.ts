/**
 * pino with the places secrets travel redacted, so a debug level can never
 * print a password, a client secret, a one-time code or a token.
 */
import { pino, type Logger } from 'pino';

export function createLogger(level: string): Logger {
  return pino({
    level,
    redact: {
      paths: [
        'password', '*.password', 'client_secret', '*.client_secret', 'clientSecret', '*.clientSecret',
        'token', '*.token', 'code', '*.code', 'req.headers.authorization', 'req.headers.cookie', 'adminToken',
      ],
      censor: '[redacted]',
    },
  });
}

/** Paths that carry a one-time code in the URL itself are logged without it. */
export function safePath(path: string): string {
  return path.replace(/^\/preauth\/[^/?#]+/, '/preauth/[code]');
}
