export * from './mfaAdminController';
export * from './mfaController';
export * from './mfaDenied';
export * from './mfaGuard';
export * from './mfaModule';
export { type ControllerGuard, MFA, MFA_ADMIN_OPTIONS, MFA_MODULE_OPTIONS, type MfaAdminSettings, type MfaModuleAsyncOptions, type MfaModuleOptions, type MfaModuleSettings } from './mfaOptions';
export * from './mfaState';
export * from './requireMfa';
export { type GetUser, type MfaHttpRequest, type MfaHttpResponse, passportUser, writeResult } from './lib/http';
