/**
 * mfakit-gateway: MFA in front of any HTTP API. Standalone, it verifies each request's bearer
 * token, matches the request against first-match rules on one normalized path, asks the core, and
 * forwards what it allows (Fastify, and undici's `Pool.stream` to the upstream); behind nginx,
 * Caddy, Traefik or Envoy it answers their forward-auth calls with the same decision. It serves
 * the HTTP contract under `/mfa` itself. The `mfakit-gateway` bin reads a YAML file (`loadConfig`).
 *
 * @example
 * import { createGateway, loadConfig } from '@mfakit/gateway';
 * const gateway = await createGateway(loadConfig('gateway.yaml'));
 * await gateway.app.listen({ port: 8080 });
 *
 * @packageDocumentation
 */
export { checkReport } from './check';
export { ConfigError, type ConfigErrorCode, type ConfigIssue, loadConfig, parseConfig } from './config';
export { IDENTITY_HEADERS } from './decide';
export { createGateway, type Gateway, type GatewayOptions } from './server';
export { type OpenedStores, openStores, type StoreConfig } from './stores';
export { createTokenVerifier, type DevTokenClaims, devToken, type RememberOptions, type TokenFailure, type TokenResult, type TokenVerifier, type TokenVerifierOptions } from './tokens';
export type { GatewayConfig, Policy, Rule, TokenConfig } from './types';
