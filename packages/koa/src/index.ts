export * from './mfaRouter';
export * from './requireMfa';
export { type GetUser, stateUser, writeResult } from './lib/http';
export type { RateLimit } from './lib/rateLimit';
