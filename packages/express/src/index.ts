export * from './mfaRouter';
export * from './requireMfa';
export { type GetUser, passportUser } from './lib/http';
