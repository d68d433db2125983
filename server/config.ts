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

function issuerOf(raw: string | undefined, port: number): string {
  if (raw === undefined || raw === '') return `http://localhost:${port}`;
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new ConfigError('ISSUER', `not a URL: ${JSON.stringify(raw)}`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new ConfigError('ISSUER', 'must be an http or https URL');
  // An issuer is an identifier compared byte for byte by clients, so a path or
  // query here would silently break discovery; refuse instead of guessing.
  if (url.pathname !== '/' || url.search || url.hash || url.username || url.password) {
    throw new ConfigError('ISSUER', `must be an origin without path, query or credentials, got ${JSON.stringify(raw)}`);
  }
  return url.origin;
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
  };
}

/** `.env` in the working folder fills in what the real environment lacks. */
export function readDotEnv(file = '.env'): void {
  if (existsSync(file)) process.loadEnvFile(file);
}
