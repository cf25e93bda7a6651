export * from './lib/http';
export { frameworkErrors, mfaServerOptions } from './lib/routing';
export * from './mfaAdminRouter';
export * from './mfaRouter';
export * from './requireMfa';
export * from './routes';
