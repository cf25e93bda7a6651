export * from './mfaAdminRouter';
export * from './mfaRouter';
export * from './requireMfa';
export { type GetUser, passportUser, writeResult } from './lib/http';
