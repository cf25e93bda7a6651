export * from './mfaAdminRouter';
export * from './mfaRouter';
export * from './requireMfa';
export * from './routes';
export { type GetUser, stateUser, writeResult } from './lib/http';
export { jsonBody } from './lib/jsonBody';
export type { RateLimit } from '@mfakit/core/http';
