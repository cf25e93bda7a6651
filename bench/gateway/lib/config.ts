import { randomBytes } from 'node:crypto';

/** The user of the access token and of the MFA session. */
export const BENCH_USER = 'bench-user';

/** The path of the `mfa` rule: what the direct, nginx and MFA variants request. */
export const MFA_PATH = '/api/profile';

/** The path of the `bypass` rule. */
export const BYPASS_PATH = '/public/profile';

/** The route prefix of the gateway's own HTTP contract (enrollment, verification). */
export const CONTRACT_PATH = '/mfa';

/**
 * The gateway's configuration: standalone towards `upstream`, an HS256 secret for the dev tokens
 * (made per run), loopback trusted as the proxy in front (nginx's auth_request calls), and two
 * rules: `/public/**` bypass, `/api/**` mfa (a live session, no max_age); anything else denied.
 */
export function gatewayYaml(upstream: string): string {
  return `
listen: 127.0.0.1:0
upstream: ${upstream}
issuer: mfakit-bench
mfa_path: ${CONTRACT_PATH}
tokens:
  secret: ${randomBytes(32).toString('base64url')}
trusted_proxies: [127.0.0.1/32]
default_policy: deny
rules:
  - { paths: ['/public/**'], policy: bypass }
  - { paths: ['/api/**'], policy: mfa }
`;
}
