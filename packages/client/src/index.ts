/**
 * The client side of mfakit, for the code that calls an API protected by it, in browsers and
 * Node.js 20.19+, with no dependencies: {@link createMfaFetch}, a `fetch` that answers the API's
 * step-up challenges by asking the person for a code (or a passkey) and sending the request
 * again; {@link MfaClientError}, what it rejects with; {@link parseWwwAuthenticate}, a parser of
 * `WWW-Authenticate` header values by RFC 9110 section 11's grammar, and
 * {@link stepUpRequirement}, which finds the RFC 9470 step-up challenge among the parsed challenges.
 *
 * @example
 * import { createMfaFetch } from '@mfakit/client';
 *
 * const mfaFetch = createMfaFetch({
 *   headers: { Authorization: `Bearer ${accessToken}` },
 *   prompt: async () => ({ code: await askForCode() }),
 * });
 * const res = await mfaFetch('/api/profile', { headers: { Authorization: `Bearer ${accessToken}` } });
 *
 * @packageDocumentation
 */
export * from './challenge';
export * from './createMfaFetch';
export * from './errors';
export type * from './options';
