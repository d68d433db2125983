/**
 * Reads and validates the environment once at start. Every problem is
 * reported as a ConfigError naming the variable, so `main.ts` can print one
 * line and exit 1 instead of failing later in some request.
 */
import { existsSync } from 'node:fs';

export class ConfigError extends Error {
  constructor(readonly variable: string, problem: string) {
    super(`${variable}: ${problem}`);
  }
}

export interface Config {
  port: number;
  issuer: string;
  dataDir: string;
  mongodbUri?: string;
  adminToken?: string;
  /** Bearer token for /metrics; the admin token is required when unset. */
  metricsToken?: string;
  logLevel: string;
  /** Largest step-1 request body accepted, in bytes. */
  maxPayload: number;
  /** How long a redeemed handoff's payload is kept at most, in seconds. */
  retention: number;
  plugins: string[];
  /** Take the client IP from X-Forwarded-For (behind a proxy that writes it). */
  trustProxy: boolean;
  /** RATE_LIMIT_PREAUTH, RATE_LIMIT_FAILURES, RATE_LIMIT_REDEEM. */
  limits: { preauth: number; failures: number; redeem: number };
}

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];

function integer(env: NodeJS.ProcessEnv, name: string, fallback: number, min: number, max: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  if (!/^\d+$/.test(raw.trim())) throw new ConfigError(name, `expected a whole number, got ${JSON.stringify(raw)}`);
  const value = Number(raw.trim());
  if (value < min || value > max) throw new ConfigError(name, `must be between ${min} and ${max}, got ${value}`);
  return value;
}

function boolean(env: NodeJS.ProcessEnv, name: string, fallback: boolean): boolean {
  const raw = (env[name] ?? '').trim().toLowerCase();
  if (raw === '') return fallback;
  if (raw === 'true' || raw === '1') return true;
  if (raw === 'false' || raw === '0') return false;
  throw new ConfigError(name, `expected true or false, got ${JSON.stringify(env[name])}`);
}

function issuerOf(raw: string | undefined, port: number): string {
  if (raw === undefined || raw === '') return `http://localhost:${port}`;
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new ConfigError('ISSUER', `not a URL: ${JSON.stringify(raw)}`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new ConfigError('ISSUER', 'must be an http or https URL');
  // An issuer is an identifier compared byte for byte by clients, so a query,
  // a trailing slash or an odd path would silently break discovery; refuse
  // instead of guessing. A plain path prefix (`/login`) is fine.
  if (url.search || url.hash || url.username || url.password || raw.includes('?') || raw.includes('#')) {
    throw new ConfigError('ISSUER', `must be an origin, optionally with a path, without query or credentials, got ${JSON.stringify(raw)}`);
  }
  if (url.pathname === '/') {
    if (raw.replace(/\/$/, '') !== url.origin) throw new ConfigError('ISSUER', `must be written as ${url.origin}, got ${JSON.stringify(raw)}`);
    return url.origin;
  }
  if (url.pathname.endsWith('/')) throw new ConfigError('ISSUER', `must not end with a slash, got ${JSON.stringify(raw)}`);
  if (!/^(\/[A-Za-z0-9._~-]+)+$/.test(url.pathname) || /\/\.\.?(\/|$)/.test(url.pathname)) {
    throw new ConfigError('ISSUER', `path must be plain segments of letters, digits, '.', '_', '~' or '-', got ${JSON.stringify(url.pathname)}`);
  }
  return `${url.origin}${url.pathname}`;
}

function mongoUri(raw: string | undefined): string | undefined {
  if (raw === undefined || raw === '') return undefined;
  if (!/^mongodb(\+srv)?:\/\/\S+$/.test(raw)) throw new ConfigError('MONGODB_URI', 'must start with mongodb:// or mongodb+srv://');
  return raw;
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const port = integer(env, 'PORT', 3000, 0, 65535);
  const logLevel = (env.LOG_LEVEL || 'info').trim();
  if (!LOG_LEVELS.includes(logLevel)) throw new ConfigError('LOG_LEVEL', `must be one of ${LOG_LEVELS.join(', ')}`);
  const adminToken = env.ADMIN_TOKEN || undefined;
  return {
    port,
    issuer: issuerOf(env.ISSUER, port),
    dataDir: env.DATA_DIR || './data',
    mongodbUri: mongoUri(env.MONGODB_URI),
    adminToken,
    metricsToken: env.METRICS_TOKEN || undefined,
    logLevel,
    maxPayload: integer(env, 'PREAUTH_MAX_PAYLOAD', 2 * 1024 * 1024, 1024, 64 * 1024 * 1024),
    retention: integer(env, 'HANDOFF_RETENTION', 24 * 3600, 60, 365 * 24 * 3600),
    plugins: (env.PREAUTH_PLUGINS || '').split(',').map((s) => s.trim()).filter(Boolean),
    trustProxy: boolean(env, 'TRUST_PROXY', false),
    limits: {
      preauth: integer(env, 'RATE_LIMIT_PREAUTH', 600, 1, 1_000_000),
      failures: integer(env, 'RATE_LIMIT_FAILURES', 10, 1, 1_000_000),
      redeem: integer(env, 'RATE_LIMIT_REDEEM', 60, 1, 1_000_000),
    },
  };
}

/** The issuer's path prefix (`/login`), or '' for a bare origin: every route lives below it. */
export const issuerPath = (issuer: string) => new URL(issuer).pathname.replace(/\/+$/, '');

/** `.env` in the working folder fills in what the real environment lacks. */
export function readDotEnv(file = '.env'): void {
  if (existsSync(file)) process.loadEnvFile(file);
}
