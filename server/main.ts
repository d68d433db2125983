/**
 * The standalone server: configuration from the environment (and `.env`),
 * the embedded store unless MONGODB_URI is set, plugins from PREAUTH_PLUGINS.
 * Any start-up problem is one line on stderr and exit code 1.
 */
import { ConfigError, loadConfig, readDotEnv } from './config.js';
import { createLogger } from './log.js';
import { createHttpServer } from './http-server.js';
import { openStore } from '../adapters/index.js';
import { loadPlugins } from '../providers/registry.js';

function fail(line: string): never {
  process.stderr.write(`handoff: ${line}\n`);
  process.exit(1);
}

async function main(): Promise<void> {
  readDotEnv();
  let config;
  try {
    config = loadConfig();
  } catch (err) {
    if (err instanceof ConfigError) fail(`invalid configuration: ${err.message}`);
    throw err;
  }
  const log = createLogger(config.logLevel);
  if (config.adminToken && config.adminToken.length < 16) log.warn('ADMIN_TOKEN is shorter than 16 characters; use a long random token');
  if (config.metricsToken && config.metricsToken.length < 16) log.warn('METRICS_TOKEN is shorter than 16 characters; use a long random token');

  let store;
  try {
    store = await openStore({ mongodbUri: config.mongodbUri, dataDir: config.dataDir });
  } catch (err) {
    fail(config.mongodbUri
      ? `MONGODB_URI: cannot connect to MongoDB (${(err as Error).message})`
      : `DATA_DIR: cannot open the embedded store in ${config.dataDir} (${(err as Error).message})`);
  }

  let plugins;
  try {
    plugins = await loadPlugins(config.plugins);
  } catch (err) {
    fail(`PREAUTH_PLUGINS: ${(err as Error).message}`);
  }

  // Loaded only now: oidc-provider prints a runtime warning when imported,
  // which must not add to the one-line configuration error above.
  const { createHandoff } = await import('./app.js');
  const handoff = await createHandoff({
    issuer: config.issuer,
    store,
    providers: plugins,
    adminToken: config.adminToken,
    metricsToken: config.metricsToken,
    logger: log,
    maxPayload: config.maxPayload,
    retention: config.retention,
    trustProxy: config.trustProxy,
    limits: config.limits,
  });
  if (handoff.generatedAdminToken) {
    // Printed once, on the start that made it; only its hash is stored.
    process.stdout.write(`handoff: generated admin token (shown once, set ADMIN_TOKEN to choose your own): ${handoff.generatedAdminToken}\n`);
  }

  // Not app.listen(): the server must carry the slow-request limits.
  const server = createHttpServer(handoff.app.callback()).listen(config.port, () => {
    log.info({ issuer: config.issuer, port: config.port, store: handoff.store.kind, providers: handoff.providers.ids() }, 'handoff listening');
  });
  server.on('error', (err) => fail(`PORT: cannot listen on ${config.port} (${err.message})`));

  // Stop accepting connections, let requests in flight finish (at most
  // 10 s), close the store, exit 0. Idle keep-alive connections are closed
  // as they become idle, so they cannot hold the process open.
  let stopping = false;
  const stop = (signal: NodeJS.Signals) => {
    if (stopping) return;
    stopping = true;
    log.info({ signal }, 'handoff stopping');
    const idle = setInterval(() => server.closeIdleConnections(), 100);
    const force = setTimeout(() => server.closeAllConnections(), 10_000);
    server.close(() => {
      clearInterval(idle);
      clearTimeout(force);
      void handoff.close()
        .catch((err) => log.warn({ err: String((err as Error)?.message ?? err) }, 'store did not close cleanly'))
        .finally(() => process.exit(0));
    });
    server.closeIdleConnections();
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

main().catch((err) => fail(`failed to start: ${(err as Error).message}`));
