/**
 * The client side of mfakit, for the code that calls an API protected by it, in browsers and
 * Node.js 20.19+. For now the first piece: {@link parseWwwAuthenticate}, a parser of
 * `WWW-Authenticate` header values by RFC 9110 section 11's grammar, and {@link stepUpRequirement},
 * which finds the RFC 9470 step-up challenge among the parsed challenges.
 *
 * @example
 * import { parseWwwAuthenticate, stepUpRequirement } from '@mfakit/client';
 *
 * const stepUp = stepUpRequirement(parseWwwAuthenticate(response.headers.get('WWW-Authenticate') ?? ''));
 *
 * @packageDocumentation
 */
export * from './challenge';
