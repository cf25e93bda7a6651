// Threat: a step-up proof that buys more than the one action the user approved. On a rule with
// `once`, a stolen or replayed grant, a grant made for another path, method or query, a grant for
// one payee's details sent with another's (`bind_body`), or a plain MFA session must not pass;
// and forward auth, where the gateway never sees the body, must refuse a body-bound rule rather
// than let it through unchecked. Grants are made as a client makes them: POST /mfa/verify with an
// `action`, through the gateway's own /mfa routes.
import { createHash } from 'node:crypto';
import { totpCode } from '@mfakit/testing';
import { gatewayYaml, raw, type RawAnswer, startGateway, startUpstream, type TestGateway } from './helpers';
import { prepareScenarios, type ScenarioContext } from './scenarios';

/** The `once` rules, before the catch-all `/api/**` of the test configuration (first match wins). */
const ONCE_RULES = `  - { methods: [POST], paths: ['/api/payees'], policy: mfa, once: { bind_body: true } }
  - { methods: [DELETE], paths: ['/api/payees/*'], policy: mfa, once: true }
`;
const CATCH_ALL = "  - { paths: ['/api/**'], policy: mfa }\n";

let upstream: Awaited<ReturnType<typeof startUpstream>>;
let gateway: TestGateway;
let context: ScenarioContext;

beforeAll(async () => {
  upstream = await startUpstream();
  gateway = await startGateway(
    gatewayYaml(upstream.url)
      .replace(CATCH_ALL, ONCE_RULES + CATCH_ALL)
      .replace('upstream_timeout: 2s', 'upstream_timeout: 2s\nbody_limit: 1kb'),
  );
  context = await prepareScenarios(gateway);
});
afterAll(async () => {
  await gateway?.close();
  await upstream?.close();
});

const bearer = () => ({ Authorization: `Bearer ${context.aliceToken}` });
/** RFC 9530 Content-Digest of a body, as a client names it in the action. */
const digestOf = (body: string) => `sha-256=:${createHash('sha256').update(body).digest('base64')}:`;

/** A step-up grant made through the gateway's POST /mfa/verify for `action`, with a code of the next 30-second step. */
async function grantFor(action: { method: string; path: string; digest?: string }): Promise<string> {
  gateway.clock.advanceSeconds(30);
  const answer = await raw(gateway.port, '/mfa/verify', {
    method: 'POST',
    headers: { ...bearer(), 'Content-Type': 'application/json' },
    body: JSON.stringify({ code: totpCode(context.secret, gateway.clock), action }),
  });
  const grant = answer.status === 200 ? answer.json().grant : undefined;
  if (typeof grant !== 'string') throw new Error(`POST /mfa/verify with an action answered ${answer.status} without a grant: ${answer.body}`);
  return grant;
}

/** The status and problem code of an answer (no code on a 2xx). */
const outcome = (answer: RawAnswer) => ({ status: answer.status, code: answer.status < 300 ? undefined : answer.json().code });

const PAYEE = JSON.stringify({ name: 'Bob', iban: 'DE89370400440532013000' });

describe('standalone: a grant passes once, for its own request', () => {
  test('a session alone does not pass a once rule: 401 with max_age=0', async () => {
    const answer = await raw(gateway.port, '/api/payees/7', { method: 'DELETE', headers: { ...bearer(), 'X-Session-Token': context.freshSession } });
    expect(outcome(answer)).toEqual({ status: 401, code: 'mfa_stale' });
    expect(answer.headers['www-authenticate']).toMatch(/max_age=0/);
    const none = await raw(gateway.port, '/api/payees/7', { method: 'DELETE', headers: bearer() });
    expect(outcome(none)).toEqual({ status: 401, code: 'mfa_required' });
    expect(none.headers['www-authenticate']).toMatch(/max_age=0/);
  });

  test('a grant for DELETE /api/payees/7 passes once, never reaches the upstream, and is refused the second time', async () => {
    const grant = await grantFor({ method: 'DELETE', path: '/api/payees/7' });
    const before = upstream.seen.length;
    const first = await raw(gateway.port, '/api/payees/7', { method: 'DELETE', headers: { ...bearer(), 'X-MFA-Grant': grant } });
    expect(outcome(first)).toEqual({ status: 200, code: undefined });
    expect(upstream.seen[before]).toMatchObject({ method: 'DELETE', url: '/api/payees/7' });
    expect(upstream.seen[before]?.headers['x-mfa-grant']).toBeUndefined();
    expect(upstream.seen[before]?.headers['x-mfa-user']).toBe('alice');
    const again = await raw(gateway.port, '/api/payees/7', { method: 'DELETE', headers: { ...bearer(), 'X-MFA-Grant': grant } });
    expect(outcome(again)).toEqual({ status: 401, code: 'mfa_grant_invalid' });
    expect(upstream.seen.length).toBe(before + 1);
  });

  test.each([
    ['another path', { method: 'DELETE', path: '/api/payees/8' }],
    ['another method', { method: 'PUT', path: '/api/payees/7' }],
    ['another query', { method: 'DELETE', path: '/api/payees/7?cascade=1' }],
  ])('a grant made for %s is refused', async (_what, action) => {
    const grant = await grantFor(action);
    const before = upstream.seen.length;
    const answer = await raw(gateway.port, '/api/payees/7', { method: 'DELETE', headers: { ...bearer(), 'X-MFA-Grant': grant } });
    expect(outcome(answer)).toEqual({ status: 401, code: 'mfa_grant_invalid' });
    expect(upstream.seen.length).toBe(before);
  });

  test('the grant names the normalized path and the query as sent: what the rules judged and the upstream gets', async () => {
    const grant = await grantFor({ method: 'DELETE', path: '/api/payees/7?cascade=1' });
    const before = upstream.seen.length;
    const answer = await raw(gateway.port, '//api/./payees//7?cascade=1', { method: 'DELETE', headers: { ...bearer(), 'X-MFA-Grant': grant } });
    expect(outcome(answer)).toEqual({ status: 200, code: undefined });
    expect(upstream.seen[before]?.url).toBe('/api/payees/7?cascade=1');
  });

  test('an inline X-MFA-Token code passes a once rule, and opens no session', async () => {
    gateway.clock.advanceSeconds(30);
    const answer = await raw(gateway.port, '/api/payees/9', { method: 'DELETE', headers: { ...bearer(), 'X-MFA-Token': totpCode(context.secret, gateway.clock) } });
    expect(outcome(answer)).toEqual({ status: 200, code: undefined });
    expect(answer.headers['x-session-token']).toBeUndefined();
  });
});

describe('standalone: a grant bound to the body', () => {
  test('passes with the very body it names, which reaches the upstream unchanged, with its headers', async () => {
    const grant = await grantFor({ method: 'POST', path: '/api/payees', digest: digestOf(PAYEE) });
    const before = upstream.seen.length;
    const answer = await raw(gateway.port, '/api/payees', { method: 'POST', headers: { ...bearer(), 'Content-Type': 'application/json; charset=utf-8', 'X-MFA-Grant': grant }, body: PAYEE });
    expect(outcome(answer)).toEqual({ status: 200, code: undefined });
    expect(upstream.seen[before]).toMatchObject({ method: 'POST', url: '/api/payees', body: PAYEE });
    expect(upstream.seen[before]?.headers).toMatchObject({ 'content-type': 'application/json; charset=utf-8', 'content-length': String(Buffer.byteLength(PAYEE)) });
  });

  test('is refused with another body, and the upstream never sees it', async () => {
    const grant = await grantFor({ method: 'POST', path: '/api/payees', digest: digestOf(PAYEE) });
    const before = upstream.seen.length;
    const changed = PAYEE.replace('Bob', 'Mallory');
    const answer = await raw(gateway.port, '/api/payees', { method: 'POST', headers: { ...bearer(), 'Content-Type': 'application/json', 'X-MFA-Grant': grant }, body: changed });
    expect(outcome(answer)).toEqual({ status: 401, code: 'mfa_grant_invalid' });
    expect(upstream.seen.length).toBe(before);
  });

  test('a grant that names no digest does not pass a bind_body rule', async () => {
    const grant = await grantFor({ method: 'POST', path: '/api/payees' });
    const answer = await raw(gateway.port, '/api/payees', { method: 'POST', headers: { ...bearer(), 'Content-Type': 'application/json', 'X-MFA-Grant': grant }, body: PAYEE });
    expect(outcome(answer)).toEqual({ status: 401, code: 'mfa_grant_invalid' });
  });

  test('on a once rule without bind_body, a grant that names a digest is checked against the body all the same', async () => {
    const body = '{"reason":"closed account"}';
    const send = (grant: string, sent: string) =>
      raw(gateway.port, '/api/payees/6', { method: 'DELETE', headers: { ...bearer(), 'Content-Type': 'application/json', 'X-MFA-Grant': grant }, body: sent });
    expect(outcome(await send(await grantFor({ method: 'DELETE', path: '/api/payees/6', digest: digestOf(body) }), body))).toEqual({ status: 200, code: undefined });
    expect(outcome(await send(await grantFor({ method: 'DELETE', path: '/api/payees/6', digest: digestOf(body) }), '{"reason":"other"}'))).toEqual({ status: 401, code: 'mfa_grant_invalid' });
  });

  test('a body over body_limit is a 413 before any decision', async () => {
    const answer = await raw(gateway.port, '/api/payees', { method: 'POST', headers: { ...bearer(), 'Content-Type': 'application/json', 'X-MFA-Grant': 'mfg_x' }, body: 'x'.repeat(2048) });
    expect(outcome(answer)).toEqual({ status: 413, code: 'payload_too_large' });
  });
});

describe('forward auth', () => {
  /** A Traefik/Caddy-shaped forward-auth call for the original request. */
  const forwardAuth = (method: string, uri: string, headers: Record<string, string>) =>
    raw(gateway.port, '/authz/forward-auth', { headers: { ...bearer(), ...headers, 'X-Forwarded-Method': method, 'X-Forwarded-Uri': uri, 'X-Forwarded-Host': 'api.example.com' } });

  test('a once rule takes a grant passed on by the proxy, once', async () => {
    const grant = await grantFor({ method: 'DELETE', path: '/api/payees/7?cascade=1' });
    expect(outcome(await forwardAuth('DELETE', '/api/payees/7?cascade=1', { 'X-MFA-Grant': grant }))).toEqual({ status: 200, code: undefined });
    expect(outcome(await forwardAuth('DELETE', '/api/payees/7?cascade=1', { 'X-MFA-Grant': grant }))).toEqual({ status: 401, code: 'mfa_grant_invalid' });
  });

  test('nginx auth_request and Envoy ext_authz name the same request', async () => {
    const nginxGrant = await grantFor({ method: 'DELETE', path: '/api/payees/3?cascade=1' });
    const nginx = await raw(gateway.port, '/authz/auth-request', {
      headers: { ...bearer(), 'X-MFA-Grant': nginxGrant, 'X-Original-Method': 'DELETE', 'X-Original-URL': 'https://api.example.com/api/payees/3?cascade=1' },
    });
    expect(outcome(nginx)).toEqual({ status: 200, code: undefined });
    const envoyGrant = await grantFor({ method: 'DELETE', path: '/api/payees/4' });
    const envoy = await raw(gateway.port, '/authz/ext-authz/api/payees/4', { method: 'DELETE', headers: { ...bearer(), 'X-MFA-Grant': envoyGrant } });
    expect(outcome(envoy)).toEqual({ status: 200, code: undefined });
  });

  test('a bind_body rule is refused (403): the proxy keeps the body; the grant is not spent', async () => {
    const grant = await grantFor({ method: 'POST', path: '/api/payees', digest: digestOf(PAYEE) });
    const answer = await forwardAuth('POST', '/api/payees', { 'X-MFA-Grant': grant });
    expect(outcome(answer)).toEqual({ status: 403, code: 'forbidden' });
    expect(answer.json().detail).toMatch(/forward auth does not see/);
    // Sent to standalone mode instead, the same grant passes.
    const standalone = await raw(gateway.port, '/api/payees', { method: 'POST', headers: { ...bearer(), 'Content-Type': 'application/json', 'X-MFA-Grant': grant }, body: PAYEE });
    expect(outcome(standalone)).toEqual({ status: 200, code: undefined });
  });

  test('a grant that names a digest is refused on a once rule: forward auth has no body to check it against', async () => {
    const grant = await grantFor({ method: 'DELETE', path: '/api/payees/5', digest: digestOf('') });
    expect(outcome(await forwardAuth('DELETE', '/api/payees/5', { 'X-MFA-Grant': grant, 'Content-Length': '0' }))).toEqual({ status: 401, code: 'mfa_grant_invalid' });
  });
});
