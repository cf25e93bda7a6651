// The forward-auth endpoints, called in the documented request shapes of Traefik's forwardAuth,
// Envoy's ext_authz (HTTP mode) and nginx's auth_request, with the scenario table. Traefik and
// Envoy are not packaged on these machines: these shapes are what they send (their docs); nginx
// and Caddy themselves run in test/proxies.
import { totpCode } from '@mfakit/testing';
import { gatewayYaml, raw, type RawAnswer, startGateway, type TestGateway } from './helpers';
import { prepareScenarios, SCENARIOS, type Scenario, type ScenarioContext } from './scenarios';

let gateway: TestGateway;
let context: ScenarioContext;

beforeAll(async () => {
  gateway = await startGateway(gatewayYaml(undefined));
  context = await prepareScenarios(gateway);
});
afterAll(() => gateway?.close());

/** How each proxy asks: the endpoint, and the original request in its headers or its own request line. */
const SHAPES: Record<string, (scenario: Scenario, headers: Record<string, string>) => Promise<RawAnswer>> = {
  // https://doc.traefik.io/traefik/middlewares/http/forwardauth/: a GET with the original headers and X-Forwarded-*.
  'Traefik forwardAuth': (scenario, headers) =>
    raw(gateway.port, '/authz/forward-auth', {
      headers: {
        ...headers,
        'X-Forwarded-Method': scenario.method,
        'X-Forwarded-Proto': 'https',
        'X-Forwarded-Host': 'api.example.com',
        'X-Forwarded-Uri': scenario.path,
        'X-Forwarded-For': '203.0.113.9',
      },
    }),
  // https://www.envoyproxy.io/docs/envoy/latest/api-v3/extensions/filters/http/ext_authz/v3/ext_authz.proto: the original method, path_prefix + the original path, the original headers.
  'Envoy ext_authz': (scenario, headers) => raw(gateway.port, `/authz/ext-authz${scenario.path}`, { method: scenario.method, headers: { ...headers, Host: 'api.example.com' } }),
  // nginx auth_request as examples/gateway/nginx.conf sets it up: a GET with X-Original-Method and X-Original-URL.
  'nginx auth_request (shape)': (scenario, headers) =>
    raw(gateway.port, '/authz/auth-request', { headers: { ...headers, 'X-Original-Method': scenario.method, 'X-Original-URL': `https://api.example.com${scenario.path}` } }),
};

describe.each(Object.entries(SHAPES))('%s', (_shape, ask) => {
  test.each(SCENARIOS.map((scenario) => [scenario.name, scenario] as const))('%s', async (_name, scenario) => {
    const answer = await ask(scenario, scenario.headers?.(context) ?? {});
    expect({ status: answer.status, code: answer.status === 200 ? undefined : answer.json().code }).toEqual(scenario.forwardAuth ?? { status: scenario.status, code: scenario.code });
    if (scenario.challenge) expect(answer.headers['www-authenticate']).toMatch(scenario.challenge);
    if (answer.status !== 200) return;
    expect(answer.body).toBe('');
    // Every identity header on every 200, empty when unknown, so a proxy replaces a client's copy.
    expect({ user: answer.headers['x-mfa-user'], amr: answer.headers['x-mfa-amr'], hasAuthTime: 'x-mfa-auth-time' in answer.headers }).toEqual({
      user: scenario.upstream?.user,
      amr: scenario.upstream?.amr ?? '',
      hasAuthTime: true,
    });
  });
});

describe('trust in the forwarded headers', () => {
  test('from an address outside trusted_proxies the forwarded request is not believed: 403', async () => {
    const untrusting = await startGateway(gatewayYaml(undefined).replace("trusted_proxies: [127.0.0.1/32, '::1/128']", 'trusted_proxies: [10.0.0.0/8]'));
    try {
      const answer = await raw(untrusting.port, '/authz/forward-auth', { headers: { 'X-Forwarded-Method': 'GET', 'X-Forwarded-Uri': '/public/x' } });
      expect({ status: answer.status, code: answer.json().code }).toEqual({ status: 403, code: 'forbidden' });
    } finally {
      await untrusting.close();
    }
  });

  test('a call that does not say which request to judge is a 400', async () => {
    for (const headers of [{}, { 'X-Forwarded-Method': 'GET' } as Record<string, string>, { 'X-Forwarded-Uri': '/x' }, { 'X-Forwarded-Method': 'G E T', 'X-Forwarded-Uri': '/x' }] as Record<
      string,
      string
    >[]) {
      const answer = await raw(gateway.port, '/authz/forward-auth', { headers });
      expect({ status: answer.status, code: answer.json().code }).toEqual({ status: 400, code: 'invalid_request' });
    }
    const nginx = await raw(gateway.port, '/authz/auth-request', { headers: { 'X-Original-Method': 'GET', 'X-Original-URL': '/no-scheme' } });
    expect(nginx.status).toBe(400);
  });

  test('an inline code through forward-auth: 200 with the new X-Session-Token for the proxy to pass on', async () => {
    gateway.clock.advanceSeconds(60);
    const answer = await raw(gateway.port, '/authz/forward-auth', {
      headers: { Authorization: `Bearer ${context.aliceToken}`, 'X-MFA-Token': totpCode(context.secret, gateway.clock), 'X-Forwarded-Method': 'GET', 'X-Forwarded-Uri': '/api/orders' },
    });
    expect(answer.status).toBe(200);
    expect(answer.headers['x-session-token']).toMatch(/^[A-Za-z0-9_-]{20,}$/);
    expect(answer.headers['x-mfa-user']).toBe('alice');
  });

  test("without an upstream, a path that is not the gateway's own is a 404 problem", async () => {
    const answer = await raw(gateway.port, '/api/orders', { headers: { Authorization: `Bearer ${context.aliceToken}` } });
    expect({ status: answer.status, code: answer.json().code }).toEqual({ status: 404, code: 'not_found' });
  });
});
