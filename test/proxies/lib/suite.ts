/**
 * The suite every real proxy in front of the gateway's forward-auth endpoints runs: the scenario
 * table of packages/gateway/test/scenarios.ts (the same one the standalone gateway runs), then what
 * must and must not reach the API through the proxy, and the API down. What differs from proxy to
 * proxy (what it makes of the gateway's answer, of an empty identity header, of the path) is
 * injected: each test file states it, with its reasons.
 *
 * One gateway (in-process, forward-auth only), one echo upstream and one proxy per file.
 */
import { totpCode, whenServices } from '@mfakit/testing';
import { gatewayYaml, type RawAnswer, raw, type Seen, startGateway, startUpstream, type TestGateway } from '../../../packages/gateway/test/helpers';
import { prepareScenarios, SCENARIOS, type Scenario, type ScenarioContext, send } from '../../../packages/gateway/test/scenarios';
import { findBinary, freePort, installHint, type ProxyPorts, type RunningProxy } from './proxies';

/** What the gateway answered a forward-auth call: its status, and for a refusal its problem code. */
export interface GatewayAnswer {
  status: number;
  code?: string | undefined;
}

/** What the client gets through the proxy when the gateway answered so. */
export interface ProxyAnswer {
  status: number;
  /** The problem code of the body; undefined when the body is not the gateway's (the proxy's own page, or the API's answer). */
  code: string | undefined;
  /** Whether the gateway's `WWW-Authenticate` reaches the client (else the client gets none). */
  challenge: boolean;
}

/** A proxy under test, and how it treats what passes through it. */
export interface ProxyUnderTest {
  /** The executable's name, also the suite's. */
  name: 'nginx' | 'caddy';
  /** Starts it from its example configuration (see ./proxies.ts). */
  start(binary: string, ports: ProxyPorts): Promise<RunningProxy>;
  /** What the client gets when the gateway answers `answer`. */
  through(answer: GatewayAnswer): ProxyAnswer;
  /** What the API receives for an identity header the gateway sent empty: '' or no header at all (undefined). */
  emptyIdentity: '' | undefined;
  /** Whether the client gets the `X-Session-Token` the gateway answers after an inline code. */
  passesSessionToken: boolean;
  /** Requests the gateway lets through (bypass routes), and the request target the API receives for each. */
  targets: { sent: string; received: string }[];
}

/** The problem code of a problem+json answer, else undefined. */
const problemCode = (answer: RawAnswer) => (String(answer.headers['content-type']).startsWith('application/problem+json') ? answer.json().code : undefined);

/** The headers the gateway spends or sets, as the API received them. */
const credentialsSeen = (seen: Seen) => ({
  user: seen.headers['x-mfa-user'],
  amr: seen.headers['x-mfa-amr'],
  authTime: seen.headers['x-mfa-auth-time'],
  sessionToken: seen.headers['x-session-token'],
  mfaToken: seen.headers['x-mfa-token'],
});

/**
 * Registers the suite for `proxy`, when its executable is installed. Otherwise one test fails
 * under CI, naming what to install, and is skipped elsewhere (`whenServices`).
 */
export function describeBehindProxy(proxy: ProxyUnderTest): void {
  const binary = findBinary(proxy.name);
  whenServices(`the ${proxy.name} tests`, binary ? [] : [`the ${proxy.name} executable (${installHint(proxy.name)})`], () => {
    let upstream: Awaited<ReturnType<typeof startUpstream>>;
    let gateway: TestGateway;
    let context: ScenarioContext;
    let running: RunningProxy;

    beforeAll(async () => {
      upstream = await startUpstream();
      gateway = await startGateway(gatewayYaml(undefined));
      context = await prepareScenarios(gateway);
      running = await proxy.start(binary!, { proxy: await freePort(), gateway: gateway.port, upstream: Number(new URL(upstream.url).port) });
    });
    afterAll(async () => {
      await running?.stop();
      await gateway?.close();
      await upstream?.close();
    });

    /** An identity value as the API receives it through this proxy. */
    const asReceived = (value: string) => (value === '' ? proxy.emptyIdentity : value);

    describe(`the scenario table through ${proxy.name}`, () => {
      test.each(SCENARIOS.map((scenario) => [scenario.name, scenario] as const))('%s', async (_name, scenario: Scenario) => {
        const expected = proxy.through(scenario.forwardAuth ?? { status: scenario.status, code: scenario.code });
        const { answer, reached } = await send(scenario, running.port, context, upstream.seen);
        expect({ status: answer.status, code: problemCode(answer) }).toEqual({ status: expected.status, code: expected.code });
        if (expected.challenge) expect(answer.headers['www-authenticate']).toMatch(scenario.challenge ?? /^Bearer\b/);
        else expect(answer.headers['www-authenticate']).toBeUndefined();
        if (answer.status !== 200) {
          expect(reached).toBeUndefined();
          return;
        }
        expect(answer.headers['x-upstream']).toBe('yes');
        const seen = reached as Seen;
        const amr = scenario.upstream?.amr ?? '';
        expect({ path: seen.url, ...credentialsSeen(seen) }).toEqual({
          path: scenario.upstream?.path,
          user: asReceived(scenario.upstream?.user ?? ''),
          amr: asReceived(amr),
          authTime: amr === '' ? asReceived('') : expect.stringMatching(/^\d{10}$/),
          sessionToken: undefined,
          mfaToken: undefined,
        });
        if (scenario.body !== undefined) expect({ method: seen.method, body: seen.body }).toEqual({ method: scenario.method, body: scenario.body });
      });
    });

    describe(`what reaches the API through ${proxy.name}`, () => {
      test('the MFA credentials (the session cookie too), method overrides and URL rewrites stay out; the access token, the body and other headers pass', async () => {
        const before = upstream.seen.length;
        const answer = await raw(running.port, '/api/orders/7', {
          method: 'PUT',
          headers: {
            Authorization: `Bearer ${context.aliceToken}`,
            'X-Session-Token': context.freshSession,
            'X-HTTP-Method-Override': 'DELETE',
            'X-HTTP-Method': 'DELETE',
            'X-Method-Override': 'DELETE',
            'X-Original-URL': '/admin/users',
            'X-Rewrite-URL': '/admin/users',
            Cookie: 'theme=dark; mfa_session=abc; lang=en',
            'Content-Type': 'text/plain',
            'X-Request-Id': 'r-1',
          },
          body: 'hello upstream',
        });
        expect(answer.status).toBe(200);
        const seen = upstream.seen[before]!;
        expect({ method: seen.method, url: seen.url, body: seen.body }).toEqual({ method: 'PUT', url: '/api/orders/7', body: 'hello upstream' });
        expect(seen.headers).toMatchObject({
          authorization: `Bearer ${context.aliceToken}`,
          'content-type': 'text/plain',
          'x-request-id': 'r-1',
          'x-mfa-user': 'alice',
          cookie: 'theme=dark; lang=en',
        });
        for (const name of ['x-session-token', 'x-http-method-override', 'x-http-method', 'x-method-override', 'x-original-url', 'x-rewrite-url'])
          expect({ name, value: seen.headers[name] }).toEqual({ name, value: undefined });
      });

      test(`an inline code opens a session: the request passes, the code stays out of the API, and the new X-Session-Token ${proxy.passesSessionToken ? 'reaches' : 'does not reach'} the client`, async () => {
        gateway.clock.advanceSeconds(60); // past the step of the codes spent in prepareScenarios
        const before = upstream.seen.length;
        const answer = await raw(running.port, '/api/orders', { headers: { Authorization: `Bearer ${context.aliceToken}`, 'X-MFA-Token': totpCode(context.secret, gateway.clock) } });
        expect(answer.status).toBe(200);
        expect(credentialsSeen(upstream.seen[before]!)).toMatchObject({ user: 'alice', amr: 'otp', mfaToken: undefined });
        if (!proxy.passesSessionToken) {
          expect(answer.headers['x-session-token']).toBeUndefined();
          return;
        }
        expect(answer.headers['x-session-token']).toMatch(/^[A-Za-z0-9_-]{20,}$/);
        const again = await raw(running.port, '/api/orders', { headers: { Authorization: `Bearer ${context.aliceToken}`, 'X-Session-Token': String(answer.headers['x-session-token']) } });
        expect(again.status).toBe(200);
      });

      test('a step-up grant made through the proxy passes its request once, and stays out of the API', async () => {
        gateway.clock.advanceSeconds(60); // past the steps of the codes spent before
        const auth = { Authorization: `Bearer ${context.aliceToken}` };
        const made = await raw(running.port, '/mfa/verify', {
          method: 'POST',
          headers: { ...auth, 'Content-Type': 'application/json' },
          body: JSON.stringify({ code: totpCode(context.secret, gateway.clock), action: { method: 'GET', path: '/api/orders' } }),
        });
        expect(made.status).toBe(200);
        const headers = { ...auth, 'X-MFA-Grant': String(made.json().grant) };
        const before = upstream.seen.length;
        expect((await raw(running.port, '/api/orders', { headers })).status).toBe(200);
        expect(upstream.seen[before]!.headers['x-mfa-grant']).toBeUndefined();
        const again = await raw(running.port, '/api/orders', { headers });
        const expected = proxy.through({ status: 401, code: 'mfa_grant_invalid' });
        expect({ status: again.status, code: problemCode(again) }).toEqual({ status: expected.status, code: expected.code });
        expect(again.headers['www-authenticate']).toMatch(/max_age=0$/);
      });

      test.each(proxy.targets.map(({ sent, received }) => [sent, received] as const))('the gateway lets %s through, and the API receives %s', async (sent, received) => {
        const before = upstream.seen.length;
        const answer = await raw(running.port, sent);
        expect(answer.status).toBe(200);
        expect(upstream.seen[before]?.url).toBe(received);
      });

      test("the gateway's own routes under /mfa are passed to it, without forward auth", async () => {
        const before = upstream.seen.length;
        const status = await raw(running.port, '/mfa', { headers: { Authorization: `Bearer ${context.aliceToken}` } });
        expect(status.status).toBe(200);
        expect(status.json()).toMatchObject({ userId: 'alice', enrolled: true });
        const none = await raw(running.port, '/mfa');
        expect({ status: none.status, code: problemCode(none) }).toEqual({ status: 401, code: 'authentication_required' });
        expect(upstream.seen.length).toBe(before);
      });
    });

    // Last in the file: it stops the API.
    describe(`the API down behind ${proxy.name}`, () => {
      test('the gateway lets the request through; the proxy answers 502', async () => {
        const headers = { Authorization: `Bearer ${context.aliceToken}`, 'X-Session-Token': context.freshSession };
        expect((await raw(running.port, '/api/orders', { headers })).status).toBe(200);
        await upstream.close();
        const before = upstream.seen.length;
        const answer = await raw(running.port, '/api/orders', { headers });
        expect(answer.status).toBe(502);
        expect(upstream.seen.length).toBe(before);
      });
    });
  });
}
