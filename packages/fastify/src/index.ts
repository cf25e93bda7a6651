export * from './lib/http';
export * from './mfaAdminRouter';
export * from './mfaRouter';
export * from './requireMfa';
