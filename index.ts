/** The library entry point: `import { createHandoff, defineProvider } from 'handoff'`. */
export { createHandoff } from './server/app.js';
export { SERVER_TIMEOUTS, createHttpServer } from './server/http-server.js';
export type { HandoffOptions, HandoffParts, HandoffServer } from './server/app.js';
export { defineProvider, basicCredentials, jsonResponse, HttpError, invalidGrant, invalidRequest } from './providers/define.js';
export type {
  Authenticated, AuthenticateContext, ClientIdentity, ErrorBody, NativeRequest, NativeResponse, PreauthClient, PreauthResult,
  ProviderDefinition, Provider,
} from './providers/define.js';
export { openStore } from './adapters/index.js';
export type { Store, StoredRecord, IndexField } from './adapters/store.js';
export { loadConfig } from './server/config.js';
