// The standalone gateway in front of a real upstream, over real sockets: the scenario table
// (shared with the nginx and Caddy runs in test/proxies), then what only standalone mode does
// (streaming, the upstream down or slow, the gateway's own routes).
import { closeServer, gatewayYaml, listen, raw, type Seen, startGateway, startUpstream, type TestGateway } from './helpers';
import { prepareScenarios, SCENARIOS, type ScenarioContext, send, upstreamView } from './scenarios';
import http from 'node:http';
import { sendRaw, totpCode } from '@mfakit/testing';

let upstream: Awaited<ReturnType<typeof startUpstream>>;
let gateway: TestGateway;
let context: ScenarioContext;

beforeAll(async () => {
  upstream = await startUpstream();
  gateway = await startGateway(gatewayYaml(upstream.url));
  context = await prepareScenarios(gateway);
});
afterAll(async () => {
  await gateway?.close();
  await upstream?.close();
});

describe('the scenario table, standalone', () => {
  test.each(SCENARIOS.map((scenario) => [scenario.name, scenario] as const))('%s', async (_name, scenario) => {
    const { answer, reached } = await send(scenario, gateway.port, context, upstream.seen);
    expect({ status: answer.status, code: answer.status === 200 ? undefined : answer.json().code }).toEqual({ status: scenario.status, code: scenario.code });
    if (scenario.challenge) expect(answer.headers['www-authenticate']).toMatch(scenario.challenge);
    if (scenario.status !== 200) {
      expect(reached).toBeUndefined();
      expect(answer.headers['content-type']).toBe('application/problem+json; charset=utf-8');
      return;
    }
    expect(answer.headers['x-upstream']).toBe('yes');
    expect(upstreamView(reached as Seen)).toEqual({ path: scenario.upstream?.path, user: scenario.upstream?.user, amr: scenario.upstream?.amr ?? '', sessionToken: undefined });
  });
});

describe('forwarding', () => {
  test('the method, the body and the other headers reach the upstream; the MFA credentials and the session cookie do not', async () => {
    const before = upstream.seen.length;
    const answer = await raw(gateway.port, '/api/orders/7?x=%2F', {
      method: 'PUT',
      headers: {
        Authorization: `Bearer ${context.aliceToken}`,
        'X-Session-Token': context.freshSession,
        'Content-Type': 'text/plain',
        Cookie: 'theme=dark; mfa_session=abc; lang=en',
        'X-Request-Id': 'r-1',
        'X-Original-URL': '/admin/users',
        'X-Rewrite-URL': '/admin/users',
        'X-HTTP-Method-Override': 'DELETE',
      },
      body: 'hello upstream',
    });
    expect(answer.status).toBe(200);
    const reached = upstream.seen[before]!;
    expect(reached).toMatchObject({ method: 'PUT', url: '/api/orders/7?x=%2F', body: 'hello upstream' });
    expect(reached.headers).toMatchObject({
      authorization: `Bearer ${context.aliceToken}`,
      'content-type': 'text/plain',
      cookie: 'theme=dark; lang=en',
      'x-request-id': 'r-1',
      'x-forwarded-for': '127.0.0.1',
    });
    expect(reached.headers['x-session-token']).toBeUndefined();
    // Headers some upstreams route on instead of the request line name no other path or method.
    expect([reached.headers['x-original-url'], reached.headers['x-rewrite-url'], reached.headers['x-http-method-override']]).toEqual([undefined, undefined, undefined]);
    expect(Number(reached.headers['x-mfa-auth-time'])).toBe(Math.floor(gateway.clock.now() / 1000));
  });

  test('an inline code opens a session: the request passes, the answer carries X-Session-Token, and the code never reaches the upstream', async () => {
    gateway.clock.advanceSeconds(60); // past the step of the code spent in prepareScenarios
    const before = upstream.seen.length;
    const answer = await raw(gateway.port, '/api/orders', { headers: { Authorization: `Bearer ${context.aliceToken}`, 'X-MFA-Token': totpCode(context.secret, gateway.clock) } });
    expect(answer.status).toBe(200);
    expect(answer.headers['x-session-token']).toMatch(/^[A-Za-z0-9_-]{20,}$/);
    expect(upstream.seen[before]?.headers['x-mfa-token']).toBeUndefined();
    const again = await raw(gateway.port, '/api/orders', { headers: { Authorization: `Bearer ${context.aliceToken}`, 'X-Session-Token': String(answer.headers['x-session-token']) } });
    expect(again.status).toBe(200);
  });

  test('a body is streamed to the upstream as it arrives', async () => {
    const before = upstream.seen.length;
    const answer = await new Promise<number>((resolve, reject) => {
      const req = http.request(
        { host: '127.0.0.1', port: gateway.port, path: '/public/upload', method: 'POST', headers: { 'Content-Type': 'application/octet-stream', 'Transfer-Encoding': 'chunked' } },
        (res) => {
          res.resume();
          res.on('end', () => resolve(res.statusCode ?? 0));
        },
      );
      req.on('error', reject);
      req.write('part one, ');
      setTimeout(() => req.end('part two'), 20);
    });
    expect(answer).toBe(200);
    expect(upstream.seen[before]?.body).toBe('part one, part two');
  });

  test('a body sent after Expect: 100-continue reaches the upstream (the gateway answers the 100 itself), as do none of the headers Connection names', async () => {
    const before = upstream.seen.length;
    const status = await new Promise<number>((resolve, reject) => {
      const body = 'a large upload';
      const headers = { 'Content-Type': 'text/plain', 'Content-Length': String(body.length), Expect: '100-continue', Connection: 'keep-alive, X-Hop', 'X-Hop': 'private', 'X-Kept': 'yes' };
      const req = http.request({ host: '127.0.0.1', port: gateway.port, path: '/public/upload', method: 'POST', headers, agent: false }, (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
      });
      req.on('continue', () => req.end(body));
      req.on('error', reject);
    });
    expect(status).toBe(200);
    const reached = upstream.seen[before]!;
    expect({ body: reached.body, expect: reached.headers.expect, hop: reached.headers['x-hop'], kept: reached.headers['x-kept'] }).toEqual({
      body: 'a large upload',
      expect: undefined,
      hop: undefined,
      kept: 'yes',
    });
  });

  test("the upstream's hop-by-hop headers stay on its connection: the client's Connection: close closes", async () => {
    const answer = await sendRaw(gateway.port, { method: 'GET', target: '/public/x', headers: [] }); // sends Connection: close
    expect(answer.status).toBe(200);
    expect({ connection: answer.headers.connection, keepAlive: answer.headers['keep-alive'] }).toEqual({ connection: ['close'], keepAlive: undefined });
  });

  test('a path with characters URL parsers encode reaches the upstream as the rules matched it', async () => {
    const before = upstream.seen.length;
    expect((await raw(gateway.port, '/public/a"b<c>{d}`e^f')).status).toBe(200);
    expect(upstream.seen[before]?.url).toBe('/public/a%22b%3Cc%3E%7Bd%7D%60e%5Ef');
  });

  test("a name that begins or ends with '..' is a name, not a dot segment: forwarded as the rules matched it, or denied", async () => {
    const before = upstream.seen.length;
    expect((await raw(gateway.port, '/public/..x/a..')).status).toBe(200);
    expect((await raw(gateway.port, '/admin/..x')).json().code).toBe('forbidden');
    expect(upstream.seen.slice(before).map((seen) => seen.url)).toEqual(['/public/..x/a..']);
  });

  test('an upstream that does not answer in time: 504; one that refuses the connection: 502', async () => {
    const timeoutGateway = await startGateway(gatewayYaml(upstream.url, "  - { paths: ['/slow'], policy: bypass }").replace('upstream_timeout: 2s', 'upstream_timeout: 1s'));
    try {
      const answer = await raw(timeoutGateway.port, '/slow');
      expect({ status: answer.status, code: answer.json().code }).toEqual({ status: 504, code: 'gateway_timeout' });
    } finally {
      await timeoutGateway.close();
    }
    const closed = http.createServer();
    const port = await listen(closed);
    await closeServer(closed);
    const downGateway = await startGateway(gatewayYaml(`http://127.0.0.1:${port}`));
    try {
      const answer = await raw(downGateway.port, '/public/x');
      expect({ status: answer.status, code: answer.json().code, type: answer.headers['content-type'] }).toEqual({ status: 502, code: 'bad_gateway', type: 'application/problem+json; charset=utf-8' });
    } finally {
      await downGateway.close();
    }
  });
});

describe('upgrades (WebSocket)', () => {
  /** An upstream that accepts every upgrade and echoes what comes through the tunnel, after a line naming the user. */
  async function startUpgradeUpstream() {
    const server = http.createServer((_req, res) => res.end('no upgrade'));
    server.on('upgrade', (req, socket) => {
      if (req.url === '/api/declined') {
        socket.end('HTTP/1.1 409 Conflict\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n11\r\n{"code":"nope!!"}\r\n0\r\n\r\n');
        return;
      }
      socket.write(`HTTP/1.1 101 Switching Protocols\r\nUpgrade: ${req.headers.upgrade}\r\nConnection: Upgrade\r\n\r\nhello ${req.headers['x-mfa-user']} at ${req.url}\n`);
      socket.pipe(socket);
    });
    const port = await listen(server);
    return { url: `http://127.0.0.1:${port}`, close: () => closeServer(server) };
  }

  /** Asks for an upgrade; resolves with the status and, once upgraded, the first bytes after sending `ping`. */
  function upgrade(port: number, path: string, headers: Record<string, string>): Promise<{ status: number; echoed?: string; code?: string }> {
    return new Promise((resolve, reject) => {
      const req = http.request({ host: '127.0.0.1', port, path, headers: { Connection: 'Upgrade', Upgrade: 'websocket', ...headers } });
      req.on('upgrade', (res, socket, head: Buffer) => {
        let echoed = head.toString(); // what came with the 101, read by the client's parser
        socket.on('data', (chunk: Buffer) => {
          echoed += chunk.toString();
          if (echoed.endsWith('ping')) {
            socket.destroy();
            resolve({ status: res.statusCode ?? 0, echoed });
          }
        });
        socket.write('ping');
      });
      req.on('response', (res) => {
        let body = '';
        res.on('data', (chunk: Buffer) => (body += chunk.toString()));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, code: (JSON.parse(body) as { code: string }).code }));
      });
      req.on('error', reject);
      req.end();
    });
  }

  test('an upgrade is judged like any other request, then tunnelled with the identity headers', async () => {
    const wsUpstream = await startUpgradeUpstream();
    const wsGateway = await startGateway(gatewayYaml(wsUpstream.url));
    try {
      const setup = await prepareScenarios(wsGateway);
      expect(await upgrade(wsGateway.port, '/api/stream', {})).toEqual({ status: 401, code: 'authentication_required' });
      expect(await upgrade(wsGateway.port, '/api/stream', { Authorization: `Bearer ${setup.aliceToken}` })).toEqual({ status: 401, code: 'mfa_required' });
      expect(await upgrade(wsGateway.port, '/public/%2e%2e/api/stream', {})).toEqual({ status: 401, code: 'authentication_required' });
      expect(await upgrade(wsGateway.port, '/api%2Fstream', {})).toEqual({ status: 400, code: 'invalid_request' });
      const open = await upgrade(wsGateway.port, '/api//stream?x=1', { Authorization: `Bearer ${setup.aliceToken}`, 'X-Session-Token': setup.freshSession, 'X-MFA-User': 'mallory' });
      expect(open).toEqual({ status: 101, echoed: 'hello alice at /api/stream?x=1\nping' });
      // An upstream that declines: its answer reaches the client as it sent it.
      expect(await upgrade(wsGateway.port, '/api/declined', { Authorization: `Bearer ${setup.aliceToken}`, 'X-Session-Token': setup.freshSession })).toEqual({ status: 409, code: 'nope!!' });
    } finally {
      await wsGateway.close();
      await wsUpstream.close();
    }
  });
});

describe("the gateway's own routes", () => {
  test('healthz and readyz answer without a token, and no rule or upstream can shadow them', async () => {
    expect((await raw(gateway.port, '/mfa/healthz')).json()).toEqual({ status: 'ok' });
    expect((await raw(gateway.port, '/mfa/readyz')).json()).toEqual({ status: 'ready' });
  });

  test('the HTTP contract under /mfa takes the access token: none is a 401, a bad one a 401 invalid_token', async () => {
    const none = await raw(gateway.port, '/mfa');
    expect({ status: none.status, code: none.json().code }).toEqual({ status: 401, code: 'authentication_required' });
    const bad = await raw(gateway.port, '/mfa', { headers: { Authorization: 'Bearer nope' } });
    expect({ status: bad.status, code: bad.json().code }).toEqual({ status: 401, code: 'invalid_token' });
    const status = await raw(gateway.port, '/mfa', { headers: { Authorization: `Bearer ${context.aliceToken}` } });
    expect(status.status).toBe(200);
    expect(status.json()).toMatchObject({ factors: [expect.objectContaining({ kind: 'totp' })] });
  });

  test('an unknown path under /mfa or /authz is a 404 of the gateway, never forwarded', async () => {
    const before = upstream.seen.length;
    for (const path of ['/mfa/nothing', '/MFA/nothing', '/authz/nothing', '/api/../mfa/nothing']) {
      const answer = await raw(gateway.port, path, { method: 'POST', headers: { Authorization: `Bearer ${context.aliceToken}` } });
      expect({ path, status: answer.status, code: answer.json().code }).toEqual({ path, status: 404, code: 'not_found' });
    }
    expect(upstream.seen.length).toBe(before);
  });

  test('the admin routes need an admin role', async () => {
    const answer = await raw(gateway.port, '/mfa/admin/report', { headers: { Authorization: `Bearer ${context.aliceToken}`, 'X-Session-Token': context.freshSession } });
    expect({ status: answer.status, code: answer.json().code }).toEqual({ status: 403, code: 'forbidden' });
  });
});
