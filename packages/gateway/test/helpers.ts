import http, { type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { FakeClock, TEST_ENCRYPTION_KEYS, TEST_RECOVERY_CODE_COST } from '@mfakit/testing';
import { createGateway, devToken, type Gateway, parseConfig } from '@mfakit/gateway';
import { MemoryStore } from '@mfakit/core';

/** The HS256 secret of the test configurations. */
export const TEST_SECRET = 'gateway-test-secret-of-at-least-32-characters';

/** A request as the upstream saw it. */
export interface Seen {
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
  body: string;
}

/** A Node upstream that answers every request 200 with what it saw, as JSON, and records it. */
export async function startUpstream(): Promise<{ url: string; seen: Seen[]; close(): Promise<void> }> {
  const seen: Seen[] = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const request = { method: req.method ?? '', url: req.url ?? '', headers: req.headers, body: Buffer.concat(chunks).toString() };
      seen.push(request);
      if (req.url === '/slow') return; // never answers: the gateway's timeout
      res.setHeader('Content-Type', 'application/json');
      res.setHeader('X-Upstream', 'yes');
      res.end(JSON.stringify(request));
    });
  });
  const port = await listen(server);
  return { url: `http://127.0.0.1:${port}`, seen, close: () => closeServer(server) };
}

/** The test configuration: the issue's example rules, an HS256 secret, loopback trusted. */
export function gatewayYaml(upstream: string | undefined, extra = ''): string {
  return `
listen: 127.0.0.1:0
${upstream ? `upstream: ${upstream}\nupstream_timeout: 2s` : ''}
issuer: Acme
tokens:
  secret: ${TEST_SECRET}
  issuer: https://idp.test
  audience: orders-api
trusted_proxies: [127.0.0.1/32, '::1/128']
default_policy: deny
admin_roles: [admin]
recovery_code_cost: ${TEST_RECOVERY_CODE_COST}
rules:
  - { paths: ['/healthz', '/public/**'], policy: bypass }
  - { paths: ['/admin/**'], policy: deny }
  - { methods: [POST], paths: ['/api/transfers'], policy: mfa, max_age: 5m }
  - { methods: [GET, HEAD], paths: ['/api/catalog/**'], policy: authenticated }
  - { paths: ['/api/**'], policy: mfa }
${extra}`;
}

/** A gateway of {@link gatewayYaml} listening on a free loopback port, on a fake clock and memory stores. */
export interface TestGateway {
  url: string;
  port: number;
  gateway: Gateway;
  clock: FakeClock;
  token(sub: string, claims?: { roles?: string[]; amr?: string[] }): Promise<string>;
  close(): Promise<void>;
}

export async function startGateway(yaml: string, file = '/tmp/gateway-test.yaml'): Promise<TestGateway> {
  const config = parseConfig(yaml, file, {});
  const clock = new FakeClock(Date.now()); // now: the tokens (auth_time, exp) are on the real clock
  const stores = { factors: new MemoryStore(), state: new MemoryStore() };
  const gateway = await createGateway(config, { stores, logger: { warn: () => undefined, error: () => undefined }, mfa: { clock, encryptionKeys: TEST_ENCRYPTION_KEYS } });
  await gateway.app.listen({ host: '127.0.0.1', port: 0 });
  const { port } = gateway.app.server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    gateway,
    clock,
    token: (sub, claims = {}) => devToken(config.tokens, { sub, ...claims }),
    close: () => gateway.close(),
  };
}

/** An answer as a raw HTTP client got it. */
export interface RawAnswer {
  status: number;
  headers: IncomingHttpHeaders;
  body: string;
  json(): Record<string, unknown>;
}

/**
 * A request sent exactly as written: the path is not normalized on the way (fetch and supertest
 * resolve dot segments, which would hide the tricks the gateway must refuse).
 */
export function raw(port: number, path: string, options: { method?: string; headers?: Record<string, string>; body?: string } = {}): Promise<RawAnswer> {
  return new Promise((resolve, reject) => {
    // A body's length is declared: Node's client sends none of its own for a GET or a DELETE.
    const headers = options.body === undefined ? options.headers : { 'Content-Length': String(Buffer.byteLength(options.body)), ...options.headers };
    const req = http.request({ host: '127.0.0.1', port, path, method: options.method ?? 'GET', headers, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => {
        const body = Buffer.concat(chunks).toString();
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body, json: () => JSON.parse(body) as Record<string, unknown> });
      });
    });
    req.on('error', reject);
    req.end(options.body);
  });
}

export function listen(server: http.Server, port = 0): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve((server.address() as AddressInfo).port));
  });
}

export function closeServer(server: http.Server): Promise<void> {
  server.closeAllConnections();
  return new Promise((resolve) => server.close(() => resolve()));
}
