import { totpCode } from '@mfakit/testing';
import { raw, type RawAnswer, type Seen, type TestGateway } from './helpers';

/**
 * The people and credentials of the scenarios: alice enrolled with a session made ten minutes
 * ago (`staleSession`) and one made now (`freshSession`); dave enrolled; bob with a token and no factor.
 */
export interface ScenarioContext {
  aliceToken: string;
  bobToken: string;
  /** Enrolled too, with no session in the scenarios. */
  daveToken: string;
  staleSession: string;
  freshSession: string;
  /** Alice's TOTP secret, for further codes. */
  secret: string;
}

/**
 * Enrolls alice through the gateway's own `/mfa` routes (as a client would), moves the clock ten
 * minutes, and proves again: one session older than the `max_age: 5m` rule, one fresh.
 */
export async function prepareScenarios(gateway: TestGateway): Promise<ScenarioContext> {
  const aliceToken = await gateway.token('alice');
  const alice = await enrollTotp(gateway, aliceToken);
  const daveToken = await gateway.token('dave');
  await enrollTotp(gateway, daveToken);
  gateway.clock.advanceSeconds(600);
  const verified = await raw(gateway.port, '/mfa/verify', { method: 'POST', headers: jsonAuth(aliceToken), body: JSON.stringify({ code: totpCode(alice.secret, gateway.clock) }) });
  if (verified.status !== 200) throw new Error(`verification answered ${verified.status}: ${verified.body}`);
  return { aliceToken, bobToken: await gateway.token('bob'), daveToken, staleSession: alice.sessionToken, freshSession: verified.json().sessionToken as string, secret: alice.secret };
}

const jsonAuth = (token: string) => ({ Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' });

/** Enrolls and confirms a TOTP factor through the gateway's /mfa routes: its secret and the session it opened. */
async function enrollTotp(gateway: TestGateway, token: string): Promise<{ secret: string; sessionToken: string }> {
  const started = await raw(gateway.port, '/mfa/totp', { method: 'POST', headers: jsonAuth(token), body: '{}' });
  if (started.status !== 201) throw new Error(`enrollment answered ${started.status}: ${started.body}`);
  const { factorId, secret } = started.json() as { factorId: string; secret: string };
  const confirmed = await raw(gateway.port, `/mfa/totp/${factorId}/confirm`, { method: 'POST', headers: jsonAuth(token), body: JSON.stringify({ code: totpCode(secret, gateway.clock) }) });
  if (confirmed.status !== 200) throw new Error(`confirmation answered ${confirmed.status}: ${confirmed.body}`);
  return { secret, sessionToken: (confirmed.json().session as { sessionToken: string }).sessionToken };
}

/** One request through the gateway (or a proxy in front of it) and what must come of it. */
export interface Scenario {
  name: string;
  method: string;
  /** Sent as written, not normalized by the client. */
  path: string;
  headers?: (context: ScenarioContext) => Record<string, string>;
  body?: string;
  /** The gateway's answer: its status, and for a refusal its problem code. */
  status: number;
  code?: string;
  /**
   * The answer of the forward-auth endpoints, when it differs: a proxy forwards the path as sent,
   * so there a dot segment is refused (400) rather than resolved.
   */
  forwardAuth?: { status: number; code: string };
  /** The `WWW-Authenticate` header of a 401. */
  challenge?: RegExp;
  /** For a request let through: what the upstream must have seen. */
  upstream?: { path: string; user: string; amr?: string };
}

const bearer = (token: string) => ({ Authorization: `Bearer ${token}` });

/**
 * The scenario table, run through the standalone gateway and through nginx and Caddy in front of
 * its forward-auth endpoints: no token, no session, a session, a stale session on a `max_age` rule
 * with a POST (the original method reaches the rules), deny, bypass, path tricks, spoofed identity
 * headers, a method override.
 */
export const SCENARIOS: Scenario[] = [
  { name: 'no token on an mfa route', method: 'GET', path: '/api/orders', status: 401, code: 'authentication_required', challenge: /^Bearer/ },
  {
    name: 'a token that does not verify',
    method: 'GET',
    path: '/api/orders',
    headers: () => bearer('eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJtYWxsb3J5In0.c2lnbmF0dXJl'),
    status: 401,
    code: 'invalid_token',
    challenge: /error="invalid_token"/,
  },
  {
    name: 'a token without an MFA session',
    method: 'GET',
    path: '/api/orders',
    headers: (c) => bearer(c.aliceToken),
    status: 401,
    code: 'mfa_required',
    challenge: /insufficient_user_authentication/,
  },
  { name: 'a user without a factor', method: 'GET', path: '/api/orders', headers: (c) => bearer(c.bobToken), status: 403, code: 'mfa_enrollment_required' },
  {
    name: 'a token and its MFA session',
    method: 'GET',
    path: '/api/orders?page=2',
    headers: (c) => ({ ...bearer(c.aliceToken), 'X-Session-Token': c.freshSession }),
    status: 200,
    upstream: { path: '/api/orders?page=2', user: 'alice', amr: 'otp' },
  },
  {
    name: "another user's session with one's own token",
    method: 'GET',
    path: '/api/orders',
    headers: (c) => ({ ...bearer(c.daveToken), 'X-Session-Token': c.freshSession }),
    status: 401,
    code: 'mfa_required',
  },
  {
    name: 'a session ten minutes old on a GET route without max_age',
    method: 'GET',
    path: '/api/transfers',
    headers: (c) => ({ ...bearer(c.aliceToken), 'X-Session-Token': c.staleSession }),
    status: 200,
    upstream: { path: '/api/transfers', user: 'alice', amr: 'otp' },
  },
  {
    name: 'the same stale session on the POST rule with max_age 5m',
    method: 'POST',
    path: '/api/transfers',
    headers: (c) => ({ ...bearer(c.aliceToken), 'X-Session-Token': c.staleSession, 'Content-Type': 'application/json' }),
    body: '{"amount":10}',
    status: 401,
    code: 'mfa_stale',
    challenge: /max_age=300/,
  },
  {
    name: 'a fresh session on the POST rule with max_age 5m',
    method: 'POST',
    path: '/api/transfers',
    headers: (c) => ({ ...bearer(c.aliceToken), 'X-Session-Token': c.freshSession, 'Content-Type': 'application/json' }),
    body: '{"amount":10}',
    status: 200,
    upstream: { path: '/api/transfers', user: 'alice', amr: 'otp' },
  },
  { name: 'a deny rule, even with a session', method: 'GET', path: '/admin/users', headers: (c) => ({ ...bearer(c.aliceToken), 'X-Session-Token': c.freshSession }), status: 403, code: 'forbidden' },
  { name: 'a bypass rule without a token', method: 'GET', path: '/public/logo.txt', status: 200, upstream: { path: '/public/logo.txt', user: '' } },
  {
    name: 'an authenticated rule: a token, no session',
    method: 'GET',
    path: '/api/catalog/books',
    headers: (c) => bearer(c.aliceToken),
    status: 200,
    upstream: { path: '/api/catalog/books', user: 'alice', amr: '' },
  },
  { name: 'the authenticated rule is for GET only: a POST needs MFA', method: 'POST', path: '/api/catalog/books', headers: (c) => bearer(c.aliceToken), status: 401, code: 'mfa_required' },
  {
    name: 'a method override header does not change the method judged',
    method: 'POST',
    path: '/api/catalog/books',
    headers: (c) => ({ ...bearer(c.aliceToken), 'X-HTTP-Method-Override': 'GET' }),
    status: 401,
    code: 'mfa_required',
  },
  {
    name: 'path trick: an encoded dot-dot out of a bypass prefix',
    method: 'GET',
    path: '/public/%2e%2e/api/orders',
    status: 401,
    code: 'authentication_required',
    forwardAuth: { status: 400, code: 'invalid_request' },
  },
  { name: 'path trick: a dot-dot out of a bypass prefix', method: 'GET', path: '/public/../admin/users', status: 403, code: 'forbidden', forwardAuth: { status: 400, code: 'invalid_request' } },
  { name: 'path trick: an encoded slash', method: 'GET', path: '/public%2F..%2Fadmin/users', status: 400, code: 'invalid_request' },
  { name: 'path trick: a backslash', method: 'GET', path: '/public/..%5Cadmin/users', status: 400, code: 'invalid_request' },
  { name: 'path trick: a double-encoded dot-dot', method: 'GET', path: '/public/%252e%252e/admin/users', status: 400, code: 'invalid_request' },
  {
    name: 'path trick: another case of a deny prefix',
    method: 'GET',
    path: '/ADMIN/users',
    headers: (c) => ({ ...bearer(c.aliceToken), 'X-Session-Token': c.freshSession }),
    status: 403,
    code: 'forbidden',
  },
  { name: 'path trick: doubled slashes', method: 'GET', path: '//api//orders', status: 401, code: 'authentication_required' },
  {
    name: 'spoofed identity headers are replaced',
    method: 'GET',
    path: '/api/orders',
    headers: (c) => ({ ...bearer(c.aliceToken), 'X-Session-Token': c.freshSession, 'X-MFA-User': 'mallory', 'X-MFA-AMR': 'hwk', 'X-MFA-Auth-Time': '1' }),
    status: 200,
    upstream: { path: '/api/orders', user: 'alice', amr: 'otp' },
  },
  {
    name: 'spoofed identity headers on a bypass route are emptied',
    method: 'GET',
    path: '/public/x',
    headers: () => ({ 'X-MFA-User': 'mallory' }),
    status: 200,
    upstream: { path: '/public/x', user: '' },
  },
  { name: 'no rule matches: the default policy denies', method: 'GET', path: '/elsewhere', status: 403, code: 'forbidden' },
];

/** Sends a scenario's request to `port`, and returns the answer and what the upstream saw of it (if anything). */
export async function send(scenario: Scenario, port: number, context: ScenarioContext, seen: Seen[]): Promise<{ answer: RawAnswer; reached: Seen | undefined }> {
  const before = seen.length;
  const answer = await raw(port, scenario.path, {
    method: scenario.method,
    headers: scenario.headers?.(context) ?? {},
    ...(scenario.body === undefined ? {} : { body: scenario.body }),
  });
  return { answer, reached: seen[before] };
}

/** The upstream's view of a request let through: path, and the identity headers it was given. */
export function upstreamView(reached: Seen): { path: string; user: unknown; amr: unknown; sessionToken: unknown } {
  return { path: reached.url, user: reached.headers['x-mfa-user'], amr: reached.headers['x-mfa-amr'], sessionToken: reached.headers['x-session-token'] };
}
