/**
 * The kit a framework adapter is built from, so that every framework answers alike: the request
 * reader ({@link mfaRequestOf}, {@link mfaUserOf}), the guard of protected routes ({@link guard}),
 * the routes of the HTTP contract ({@link CONTRACT_ROUTES}, {@link handleRoute}) and of
 * administration ({@link ADMIN_ROUTES}, {@link handleAdminRoute}), the per-address rate limit,
 * the body-error mapping, and the problem catalogue with its RFC 9457 presenter
 * ({@link problemResponse}, {@link present}). An adapter translates: it reads a request with
 * these, calls one function, and writes the {@link HttpResult} it gets back unchanged.
 *
 * @example
 * import { guard, mfaRequestOf, mfaUserOf, requirementOf } from '@mfakit/core/http';
 *
 * @packageDocumentation
 */
export * from './admin';
export * from './bodyErrors';
export * from './clientError';
export * from './contract';
export * from './credentials';
export * from './guard';
export * from './problems';
export * from './rateLimit';
export * from './routes';
export { clientKey } from '../lib/address';
export { mfaUserOf, type RequirementOptions, requirementOf } from '../request';
export * from './jsonBody';
