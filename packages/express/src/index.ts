export * from './mfaAdminRouter';
export * from './mfaRouter';
export * from './requireMfa';
export * from './routes';
export { type GetUser, keepRawBody, passportUser, writeResult } from './lib/http';
