/** The project's MongoDB wire test server as a process of its own; prints its URI. */
import { startMongoWireServer } from '../test/support/mongo-wire-server.js';

const server = await startMongoWireServer();
process.stdout.write(`${server.uri}\n`);
process.once('SIGTERM', () => void server.close().then(() => process.exit(0)));
