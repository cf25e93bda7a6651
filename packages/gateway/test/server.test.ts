// What the gateway answers around the rules: readiness when a store fails, its body limit, requests
// too large to parse, notices to a webhook URL, and the mfakit-gateway command's messages.
import http from 'node:http';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import { MemoryStore } from '@mfakit/core';
import { SignJWT } from 'jose';
import { createGateway, parseConfig } from '@mfakit/gateway';
import { FakeClock, FlakyStateStore, TEST_ENCRYPTION_KEYS, totpCode } from '@mfakit/testing';
import { main } from '../src/cli';
import { closeServer, gatewayYaml, listen, raw, startGateway, startUpstream, TEST_SECRET } from './helpers';

const SILENT = { warn: () => undefined, error: () => undefined };

test('readyz answers 503 mfa_unavailable while the state store fails, and 200 again once it answers; healthz stays 200', async () => {
  const state = new FlakyStateStore(new MemoryStore());
  const gateway = await createGateway(parseConfig(gatewayYaml(undefined), '/tmp/gateway.yaml', {}), {
    stores: { factors: new MemoryStore(), state },
    logger: SILENT,
    mfa: { encryptionKeys: TEST_ENCRYPTION_KEYS },
  });
  try {
    await gateway.app.listen({ host: '127.0.0.1', port: 0 });
    const { port } = gateway.app.server.address() as AddressInfo;
    state.failing.add('get');
    const down = await raw(port, '/mfa/readyz');
    expect({ status: down.status, code: down.json().code }).toEqual({ status: 503, code: 'mfa_unavailable' });
    expect((await raw(port, '/mfa/healthz')).status).toBe(200);
    state.failing.clear();
    expect((await raw(port, '/mfa/readyz')).json()).toEqual({ status: 'ready' });
  } finally {
    await gateway.close();
  }
});

test('with body_limit, a body declared larger is a 413 before the upstream; a smaller one passes', async () => {
  const upstream = await startUpstream();
  const gateway = await startGateway(`body_limit: 16\n${gatewayYaml(upstream.url)}`);
  try {
    const large = await raw(gateway.port, '/public/upload', { method: 'POST', headers: { 'Content-Type': 'text/plain' }, body: 'x'.repeat(17) });
    expect({ status: large.status, code: large.json().code }).toEqual({ status: 413, code: 'payload_too_large' });
    expect(upstream.seen).toHaveLength(0);
    const chunked = await new Promise<{ status: number; body: string }>((resolve, reject) => {
      const req = http.request({ host: '127.0.0.1', port: gateway.port, path: '/public/upload', method: 'POST', headers: { 'Transfer-Encoding': 'chunked', 'Content-Type': 'text/plain' } }, (res) => {
        let body = '';
        res.on('data', (chunk: Buffer) => (body += chunk.toString()));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      });
      req.on('error', reject);
      req.write('x'.repeat(10));
      req.end('x'.repeat(10));
    });
    expect({ status: chunked.status, code: JSON.parse(chunked.body).code }).toEqual({ status: 413, code: 'payload_too_large' });
    const small = await raw(gateway.port, '/public/upload', { method: 'POST', headers: { 'Content-Type': 'text/plain' }, body: 'x'.repeat(16) });
    expect(small.status).toBe(200);
  } finally {
    await gateway.close();
    await upstream.close();
  }
});

test('a refused path is a 400 whatever the method, even where the default policy lets everything through', async () => {
  const upstream = await startUpstream();
  const gateway = await startGateway(gatewayYaml(upstream.url).replace('default_policy: deny', 'default_policy: bypass'));
  try {
    for (const method of ['GET', 'POST', 'PUT', 'DELETE', 'PATCH']) {
      const answer = await raw(gateway.port, '/x%2F..%2Fadmin', { method, headers: { 'Content-Type': 'application/json' }, body: '{}' });
      expect({ method, status: answer.status, code: answer.json().code }).toEqual({ method, status: 400, code: 'invalid_request' });
    }
    expect(upstream.seen).toHaveLength(0);
  } finally {
    await gateway.close();
    await upstream.close();
  }
});

test('headers over the limit are a 431 problem, not a dropped connection', async () => {
  const gateway = await startGateway(gatewayYaml(undefined));
  try {
    const answer = await raw(gateway.port, '/mfa/healthz', { headers: { 'X-Padding': 'x'.repeat(20_000) } });
    expect({ status: answer.status, type: answer.headers['content-type'], code: answer.json().code }).toEqual({
      status: 431,
      type: 'application/problem+json; charset=utf-8',
      code: 'request_header_fields_too_large',
    });
  } finally {
    await gateway.close();
  }
});

test('notifications_url receives each notice as a JSON POST: a factor added tells the user', async () => {
  const received: unknown[] = [];
  const hook = http.createServer((req, res) => {
    let body = '';
    req.on('data', (chunk: Buffer) => (body += chunk.toString()));
    req.on('end', () => {
      received.push(JSON.parse(body));
      res.end();
    });
  });
  const port = await listen(hook);
  const gateway = await startGateway(`notifications_url: http://127.0.0.1:${port}/notices\n${gatewayYaml(undefined)}`);
  try {
    const auth = { Authorization: `Bearer ${await gateway.token('alice')}`, 'Content-Type': 'application/json' };
    const { factorId, secret } = (await raw(gateway.port, '/mfa/totp', { method: 'POST', headers: auth, body: '{}' })).json() as { factorId: string; secret: string };
    const confirmed = await raw(gateway.port, `/mfa/totp/${factorId}/confirm`, { method: 'POST', headers: auth, body: JSON.stringify({ code: totpCode(secret, gateway.clock) }) });
    expect(confirmed.status).toBe(200);
    await new Promise<void>((resolve) => {
      const poll = () => (received.length > 0 ? resolve() : setTimeout(poll, 10));
      poll();
    });
    expect(received[0]).toEqual({ to: 'user', notice: expect.objectContaining({ type: 'factor.added', userId: 'alice', kind: 'totp' }) });
  } finally {
    await gateway.close();
    await closeServer(hook);
  }
});

/** A token of the test configuration's issuer and audience with claims devToken does not make, for five minutes. */
function signed(claims: Record<string, unknown>): Promise<string> {
  const now = Math.floor(Date.now() / 1000);
  return new SignJWT(claims)
    .setProtectedHeader({ alg: 'HS256' })
    .setIssuer('https://idp.test')
    .setAudience('orders-api')
    .setIssuedAt(now)
    .setExpirationTime(now + 300)
    .sign(new TextEncoder().encode(TEST_SECRET));
}

describe('tokens and the mfa policy', () => {
  test("an SSO's MFA in the token counts only as policy.trusted_amr says", async () => {
    const upstream = await startUpstream();
    const trusting = await startGateway(`policy: { trusted_amr: [mfa] }\n${gatewayYaml(upstream.url)}`);
    const untrusting = await startGateway(gatewayYaml(upstream.url));
    try {
      const trusted = await raw(trusting.port, '/api/orders', { headers: { Authorization: `Bearer ${await trusting.token('carol', { amr: ['pwd', 'mfa'] })}` } });
      expect(trusted.status).toBe(200);
      expect(upstream.seen.at(-1)?.headers['x-mfa-amr']).toBe('mfa');
      const notTrusted = await raw(untrusting.port, '/api/orders', { headers: { Authorization: `Bearer ${await untrusting.token('carol', { amr: ['pwd', 'mfa'] })}` } });
      expect(notTrusted.status).toBe(403); // carol has no factor, and the token's amr is not trusted here
      const otherAmr = await raw(trusting.port, '/api/orders', { headers: { Authorization: `Bearer ${await trusting.token('dave', { amr: ['pwd'] })}` } });
      expect(otherAmr.status).toBe(403);
    } finally {
      await trusting.close();
      await untrusting.close();
      await upstream.close();
    }
  });

  test("an SSO's acr counts only as policy.trusted_acr says: phrh passes a factors: [hwk] rule", async () => {
    const upstream = await startUpstream();
    const rule = "  - { paths: ['/keys/**'], policy: mfa, factors: [hwk] }";
    const trusting = await startGateway(`policy: { trusted_acr: [phrh] }\n${gatewayYaml(upstream.url, rule)}`);
    try {
      const now = Math.floor(Date.now() / 1000);
      const sign = (acr: string) => signed({ sub: 'erin', acr, auth_time: now });
      const hardware = await raw(trusting.port, '/keys/1', { headers: { Authorization: `Bearer ${await sign('phrh')}` } });
      expect({ status: hardware.status, amr: upstream.seen.at(-1)?.headers['x-mfa-amr'] }).toEqual({ status: 200, amr: 'hwk' });
      const synced = await raw(trusting.port, '/keys/1', { headers: { Authorization: `Bearer ${await sign('phr')}` } });
      expect(synced.status).not.toBe(200);
    } finally {
      await trusting.close();
      await upstream.close();
    }
  });

  test('a client credentials token (sub = client_id) passes an authenticated rule and never an mfa rule', async () => {
    const upstream = await startUpstream();
    const gateway = await startGateway(gatewayYaml(upstream.url));
    try {
      const token = await signed({ sub: 'reporting-job', client_id: 'reporting-job', amr: ['mfa'] });
      const catalog = await raw(gateway.port, '/api/catalog/books', { headers: { Authorization: `Bearer ${token}` } });
      expect({ status: catalog.status, user: upstream.seen.at(-1)?.headers['x-mfa-user'] }).toEqual({ status: 200, user: '' });
      const orders = await raw(gateway.port, '/api/orders', { headers: { Authorization: `Bearer ${token}` } });
      expect({ status: orders.status, code: orders.json().code }).toEqual({ status: 403, code: 'forbidden' });
    } finally {
      await gateway.close();
      await upstream.close();
    }
  });
});

describe('mfakit-gateway', () => {
  let dir: string;
  let out: string[];
  let err: string[];
  const io = (env: NodeJS.ProcessEnv = {}) => ({ out: (line: string) => out.push(line), err: (line: string) => err.push(line), env });
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mfakit-gateway-cli-'));
    out = [];
    err = [];
  });
  afterEach(() => {
    fs.rmSync(dir, { recursive: true, force: true });
    process.exitCode = 0;
  });
  const write = (text: string) => {
    const file = path.join(dir, 'gateway.yaml');
    fs.writeFileSync(file, text);
    return file;
  };

  test('check: a good file prints its rules as a route table and exits 0', async () => {
    const file = write(gatewayYaml('http://127.0.0.1:9000'));
    expect(await main(['check', '--config', file], io())).toBe(0);
    expect(out.join('\n')).toMatch(/is valid\.\n\nMETHOD +PATH +GUARD\n[\s\S]*\nPOST +\/api\/transfers +requireMfa maxAge=300s\n[\s\S]*\neverything else: default_policy deny\n/);
  });

  test('check: a bad file names the file, the line and the field, and exits 2', async () => {
    const file = write('issuer: Acme\ntokens: { secret: short }\nrules:\n  - { paths: [/api/**], policy: maybe }\n');
    expect(await main(['check', '--config', file], io())).toBe(2);
    expect(err.join('\n')).toContain(`${file}:4: rules[0].policy: must be one of`);
    expect(err.join('\n')).toContain(`${file}:2: tokens.secret:`);
  });

  test('a reference to an environment variable that is not set is an error naming it', async () => {
    // biome-ignore lint/suspicious/noTemplateCurlyInString: the configuration file's own ${NAME} syntax
    const file = write(gatewayYaml(undefined).replace(TEST_SECRET, '${GATEWAY_SECRET}'));
    expect(await main(['check', '--config', file], io())).toBe(2);
    expect(err.join('\n')).toContain('GATEWAY_SECRET');
    expect(await main(['check', '--config', file], io({ GATEWAY_SECRET: TEST_SECRET }))).toBe(0);
  });

  test('token: signs a development token with the HS256 secret, and refuses with a JWKS', async () => {
    expect(await main(['token', '--config', write(gatewayYaml(undefined)), '--sub', 'alice', '--roles', 'admin'], io())).toBe(0);
    const [, payload] = out[0]!.split('.');
    expect(JSON.parse(Buffer.from(payload!, 'base64url').toString())).toMatchObject({ sub: 'alice', roles: ['admin'], iss: 'https://idp.test', aud: 'orders-api' });
    const jwks = write('issuer: Acme\ntokens: { jwks_uri: https://idp.example.com/jwks.json }\nrules: []\n');
    expect(await main(['token', '--config', jwks, '--sub', 'alice'], io())).toBe(1);
    expect(err.join('\n')).toContain('tokens.secret');
  });

  test('without --config: the usage, exit 2', async () => {
    expect(await main([], io())).toBe(2);
    expect(err.join('\n')).toContain('--config <file> is required');
  });
});

test('the gateway listens where the file says, and PORT overrides the port', async () => {
  const config = parseConfig(gatewayYaml(undefined).replace('listen: 127.0.0.1:0', 'listen: 127.0.0.1:1'), '/tmp/gateway.yaml', { PORT: '0' });
  expect(config.listen).toEqual({ host: '127.0.0.1', port: 0 });
  const gateway = await createGateway(config, { logger: SILENT, mfa: { encryptionKeys: TEST_ENCRYPTION_KEYS, clock: new FakeClock() } });
  try {
    await gateway.app.listen(config.listen);
    expect((gateway.app.server.address() as AddressInfo).port).toBeGreaterThan(0);
  } finally {
    await gateway.close();
  }
});
