// Threat: a forged, altered, expired, misdirected (another issuer or audience) or downgraded (`alg: none`, HS256 signed with
// the public key) bearer token is taken as proof of who the caller is, so an attacker acts as another user or skips MFA.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MfaError } from '@mfakit/core';
import { base64url, type CryptoKey, exportJWK, exportSPKI, generateKeyPair, type JWK, type JWTPayload, SignJWT } from 'jose';
import { createTokenVerifier, devToken, MAX_TOKEN_LENGTH, type TokenResult } from '../src/tokens';
import type { TokenConfig } from '../src/types';

const ISSUER = 'https://id.example.test/';
const AUDIENCE = 'https://api.example.test';
const NOW = Date.parse('2026-06-01T12:00:00Z');
const T = NOW / 1000;

let now = NOW;
const clock = { now: () => now };

interface SigningKey {
  kid: string;
  privateKey: CryptoKey;
  jwk: JWK;
}

async function signingKey(kid: string, alg: 'ES256' | 'RS256' = 'ES256'): Promise<SigningKey> {
  const { publicKey, privateKey } = await generateKeyPair(alg);
  return { kid, privateKey, jwk: { ...(await exportJWK(publicKey)), kid, alg, use: 'sig' } };
}

/** A token as the identity provider issues it; a claim set to undefined is left out. */
function sign(claims: JWTPayload, key: SigningKey, header: { alg?: string; kid?: string | undefined; jwk?: JWK } = {}): Promise<string> {
  return new SignJWT({ iss: ISSUER, aud: AUDIENCE, sub: 'alice', iat: T, exp: T + 300, ...claims }).setProtectedHeader({ alg: 'ES256', kid: key.kid, typ: 'at+jwt', ...header }).sign(key.privateKey);
}

function tokenConfig(source: Partial<TokenConfig>): TokenConfig {
  return { issuer: ISSUER, audience: [AUDIENCE], algorithms: ['ES256', 'RS256'], clockTolerance: 30, userClaim: 'sub', rolesClaim: 'roles', ...source };
}

/** A JWKS endpoint on 127.0.0.1: serves `jwks`, or answers 503, drops the connection, or never answers. */
interface JwksServer {
  url: string;
  jwks: { keys: JWK[] };
  mode: 'ok' | 'error' | 'drop' | 'hang';
  requests: number;
  server: Server;
}

async function jwksServer(keys: JWK[]): Promise<JwksServer> {
  const state = { jwks: { keys }, mode: 'ok', requests: 0 } as JwksServer;
  state.server = createServer((req, res) => {
    state.requests += 1;
    if (state.mode === 'drop') req.socket.destroy();
    else if (state.mode === 'error') res.writeHead(503).end();
    else if (state.mode === 'ok') res.writeHead(200, { 'content-type': 'application/jwk-set+json' }).end(JSON.stringify(state.jwks));
  });
  await new Promise<void>((resolve) => state.server.listen(0, '127.0.0.1', resolve));
  state.url = `http://127.0.0.1:${(state.server.address() as AddressInfo).port}/jwks`;
  return state;
}

/** Expects an invalid result whose detail does not echo the token (its claims, or its start when it has none). */
function expectInvalid(result: TokenResult, reason: string, token: string): void {
  expect(result).toMatchObject({ kind: 'invalid', reason });
  const echo = (token.split('.')[1] || token).slice(0, 40);
  if (result.kind === 'invalid' && echo.length >= 3) expect(result.detail).not.toContain(echo);
}

let idp: SigningKey;
let other: SigningKey;
let idpServer: JwksServer;
const servers: JwksServer[] = [];

beforeAll(async () => {
  idp = await signingKey('idp-1');
  other = await signingKey('idp-1'); // an attacker's key under the IdP's kid
  idpServer = await jwksServer([idp.jwk]);
  servers.push(idpServer);
});

afterAll(async () => {
  for (const { server } of servers) {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
});

beforeEach(() => {
  now = NOW;
});

const remote = () => createTokenVerifier(tokenConfig({ jwksUri: idpServer.url }), { clock });

describe('a token of the identity provider', () => {
  it('verifies and names its user, roles, amr and auth_time', async () => {
    const token = await sign({ roles: ['admin', 'ops'], amr: ['pwd', 'otp'], auth_time: T - 60 }, idp);
    const result = await remote().verify(`Bearer ${token}`);
    expect(result).toEqual({
      kind: 'valid',
      user: { id: 'alice', roles: ['admin', 'ops'], amr: ['pwd', 'otp'], authTime: T - 60 },
      roles: ['admin', 'ops'],
      claims: expect.objectContaining({ iss: ISSUER, aud: AUDIENCE, sub: 'alice' }),
    });
  });

  it('reads the scheme in any case, after one space or more', async () => {
    const token = await sign({}, idp);
    await expect(remote().verify(`bearer   ${token}`)).resolves.toMatchObject({ kind: 'valid', user: { id: 'alice' } });
    await expect(remote().verify(`BEARER ${token}`)).resolves.toMatchObject({ kind: 'valid' });
  });

  it('reads roles from one space-separated string, as OAuth scope', async () => {
    const result = await remote().verify(`Bearer ${await sign({ roles: 'admin  ops' }, idp)}`);
    expect(result).toMatchObject({ kind: 'valid', user: { roles: ['admin', 'ops'] }, roles: ['admin', 'ops'] });
  });

  it('reads roles from the configured claim', async () => {
    const verifier = createTokenVerifier(tokenConfig({ jwksUri: idpServer.url, rolesClaim: 'scope' }), { clock });
    const result = await verifier.verify(`Bearer ${await sign({ scope: 'read write', roles: ['admin'] }, idp)}`);
    expect(result).toMatchObject({ kind: 'valid', roles: ['read', 'write'] });
  });

  it('refuses roles of another type rather than read them as none, since a rule may deny by role', async () => {
    const token = await sign({ roles: ['admin', 7] }, idp);
    expectInvalid(await remote().verify(`Bearer ${token}`), 'claims_invalid', token);
    expectInvalid(await remote().verify(`Bearer ${await sign({ roles: { admin: true } }, idp)}`), 'claims_invalid', token);
  });

  it('turns a numeric sub into a string, and refuses one that is not a safe integer', async () => {
    await expect(remote().verify(`Bearer ${await sign({ sub: 42 as unknown as string }, idp)}`)).resolves.toMatchObject({ kind: 'valid', user: { id: '42' } });
    const fraction = await sign({ sub: 1.5 as unknown as string }, idp);
    expectInvalid(await remote().verify(`Bearer ${fraction}`), 'claims_invalid', fraction);
    const huge = await sign({ sub: (2 ** 60) as unknown as string }, idp);
    expectInvalid(await remote().verify(`Bearer ${huge}`), 'claims_invalid', huge);
  });

  it('refuses an empty user claim, or one over 256 characters', async () => {
    for (const sub of ['', 'x'.repeat(257)]) {
      const token = await sign({ sub }, idp);
      expectInvalid(await remote().verify(`Bearer ${token}`), 'claims_invalid', token);
    }
  });

  it('has no user without a sub: it authenticates a client but can never satisfy MFA', async () => {
    const result = await remote().verify(`Bearer ${await sign({ sub: undefined, client_id: 'svc', roles: ['ingest'] }, idp)}`);
    expect(result).toMatchObject({ kind: 'valid', user: null, roles: ['ingest'], claims: { client_id: 'svc' } });
  });

  it("has no user when sub is the client's own id (client credentials, RFC 9068 §2.2)", async () => {
    const result = await remote().verify(`Bearer ${await sign({ sub: 'svc', client_id: 'svc' }, idp)}`);
    expect(result).toMatchObject({ kind: 'valid', user: null, claims: { sub: 'svc' } });
  });

  it('passes amr on without judging it, and refuses amr or auth_time of the wrong type', async () => {
    await expect(remote().verify(`Bearer ${await sign({ amr: ['pwd'] }, idp)}`)).resolves.toMatchObject({ kind: 'valid', user: { amr: ['pwd'] } });
    for (const claims of [{ amr: 'pwd otp' }, { auth_time: '1767225600' }]) {
      const token = await sign(claims, idp);
      expectInvalid(await remote().verify(`Bearer ${token}`), 'claims_invalid', token);
    }
  });
});

describe('a forged or altered token', () => {
  it('is refused when signed by another key under the same kid', async () => {
    const token = await sign({}, other);
    expectInvalid(await remote().verify(`Bearer ${token}`), 'signature_invalid', token);
  });

  it('is refused when its claims were changed after signing', async () => {
    const [header, , signature] = (await sign({}, idp)).split('.');
    const token = `${header}.${base64url.encode(JSON.stringify({ iss: ISSUER, aud: AUDIENCE, sub: 'mallory', iat: T, exp: T + 300 }))}.${signature}`;
    expectInvalid(await remote().verify(`Bearer ${token}`), 'signature_invalid', token);
  });

  it('is refused with alg none and no signature', async () => {
    const part = (value: object) => base64url.encode(JSON.stringify(value));
    const token = `${part({ alg: 'none', typ: 'JWT' })}.${part({ iss: ISSUER, aud: AUDIENCE, sub: 'alice', iat: T, exp: T + 300 })}.`;
    expectInvalid(await remote().verify(`Bearer ${token}`), 'algorithm_not_allowed', token);
    const secret = createTokenVerifier(tokenConfig({ secret: 's'.repeat(32), algorithms: ['HS256'] }), { clock });
    expectInvalid(await secret.verify(`Bearer ${token}`), 'algorithm_not_allowed', token);
  });

  it('is refused when HS256-signed with the public key (algorithm confusion)', async () => {
    const { publicKey } = await generateKeyPair('RS256', { extractable: true });
    const pem = await exportSPKI(publicKey);
    const rsaJwk = { ...(await exportJWK(publicKey)), kid: 'rsa-1', alg: 'RS256' };
    const server = await jwksServer([rsaJwk]);
    servers.push(server);
    const verifier = createTokenVerifier(tokenConfig({ jwksUri: server.url }), { clock });
    for (const secret of [pem, JSON.stringify(rsaJwk)]) {
      const token = await new SignJWT({ iss: ISSUER, aud: AUDIENCE, sub: 'alice', iat: T, exp: T + 300 }).setProtectedHeader({ alg: 'HS256', kid: 'rsa-1' }).sign(new TextEncoder().encode(secret));
      expectInvalid(await verifier.verify(`Bearer ${token}`), 'algorithm_not_allowed', token);
    }
    expect(server.requests).toBe(0);
  });

  it('is refused when it brings its own key in the jwk header', async () => {
    const attacker = await signingKey('evil');
    const token = await sign({}, attacker, { kid: undefined, jwk: attacker.jwk });
    expectInvalid(await remote().verify(`Bearer ${token}`), 'signature_invalid', token);
  });

  it('is refused with a kid the identity provider does not publish', async () => {
    const token = await sign({}, await signingKey('unknown-kid'));
    expectInvalid(await remote().verify(`Bearer ${token}`), 'key_not_found', token);
  });

  it('is refused when it is not a JWT', async () => {
    for (const token of ['abc', 'a.b.c', `${base64url.encode('{"alg":"ES256"}')}.e30`]) {
      expectInvalid(await remote().verify(`Bearer ${token}`), 'malformed', token);
    }
  });
});

describe('a misdirected or stale token', () => {
  it('is refused for another audience', async () => {
    const token = await sign({ aud: 'https://other-api.example.test' }, idp);
    expectInvalid(await remote().verify(`Bearer ${token}`), 'audience_mismatch', token);
  });

  it('is refused without an audience', async () => {
    const token = await sign({ aud: undefined }, idp);
    expectInvalid(await remote().verify(`Bearer ${token}`), 'audience_mismatch', token);
  });

  it('is refused from another issuer', async () => {
    const token = await sign({ iss: 'https://evil.example.test/' }, idp);
    expectInvalid(await remote().verify(`Bearer ${token}`), 'issuer_mismatch', token);
  });

  it('is refused once expired, beyond the clock tolerance', async () => {
    const token = await sign({ exp: T - 10 }, idp);
    await expect(remote().verify(`Bearer ${token}`)).resolves.toMatchObject({ kind: 'valid' });
    now = NOW + 19_000; // 29 s after exp, within the 30 s tolerance
    await expect(remote().verify(`Bearer ${token}`)).resolves.toMatchObject({ kind: 'valid' });
    now = NOW + 20_000;
    expectInvalid(await remote().verify(`Bearer ${token}`), 'expired', token);
    const strict = createTokenVerifier(tokenConfig({ jwksUri: idpServer.url, clockTolerance: 0 }), { clock: { now: () => NOW } });
    expectInvalid(await strict.verify(`Bearer ${await sign({ exp: T }, idp)}`), 'expired', token);
  });

  it('is refused before nbf, beyond the clock tolerance', async () => {
    const token = await sign({ nbf: T + 60 }, idp);
    expectInvalid(await remote().verify(`Bearer ${token}`), 'not_yet_valid', token);
    now = NOW + 30_000;
    await expect(remote().verify(`Bearer ${token}`)).resolves.toMatchObject({ kind: 'valid' });
  });

  it('is refused without exp', async () => {
    const token = await sign({ exp: undefined }, idp);
    expectInvalid(await remote().verify(`Bearer ${token}`), 'claims_invalid', token);
  });
});

describe('the Authorization header', () => {
  it('is none when absent or of another scheme', async () => {
    const token = await sign({}, idp);
    for (const header of [undefined, '', `Basic ${Buffer.from('alice:pw').toString('base64')}`, `DPoP ${token}`, `Bearer${token}`]) {
      await expect(remote().verify(header)).resolves.toEqual({ kind: 'none' });
    }
  });

  it('is invalid when Bearer has no token or more than one', async () => {
    for (const header of ['Bearer', 'Bearer ', 'Bearer a b', 'Bearer \tabc']) {
      expectInvalid(await remote().verify(header), 'malformed', header.slice('Bearer '.length));
    }
  });

  it('is invalid, unparsed and without a JWKS fetch, when the token is huge', async () => {
    const server = await jwksServer([idp.jwk]);
    servers.push(server);
    const verifier = createTokenVerifier(tokenConfig({ jwksUri: server.url }), { clock });
    const token = 'a'.repeat(MAX_TOKEN_LENGTH + 1);
    expectInvalid(await verifier.verify(`Bearer ${token}`), 'too_large', token);
    expect(server.requests).toBe(0);
  });
});

describe('the remote JWKS', () => {
  it('is fetched once and cached', async () => {
    const server = await jwksServer([idp.jwk]);
    servers.push(server);
    const verifier = createTokenVerifier(tokenConfig({ jwksUri: server.url }), { clock });
    for (let i = 0; i < 3; i += 1) await expect(verifier.verify(`Bearer ${await sign({}, idp)}`)).resolves.toMatchObject({ kind: 'valid' });
    expect(server.requests).toBe(1);
  });

  it('picks up a key rotated at the identity provider, once the cooldown since the last fetch has passed', async () => {
    // Only Date is faked: jose judges its cooldown by Date.now(); the sockets keep their real timers.
    jest.useFakeTimers({
      now: NOW,
      doNotFake: ['hrtime', 'nextTick', 'performance', 'queueMicrotask', 'setImmediate', 'clearImmediate', 'setInterval', 'clearInterval', 'setTimeout', 'clearTimeout'],
    });
    try {
      const server = await jwksServer([idp.jwk]);
      servers.push(server);
      const verifier = createTokenVerifier(tokenConfig({ jwksUri: server.url }), { clock });
      const oldToken = await sign({}, idp);
      await expect(verifier.verify(`Bearer ${oldToken}`)).resolves.toMatchObject({ kind: 'valid' });

      const rotated = await signingKey('idp-2');
      server.jwks = { keys: [rotated.jwk] };
      const newToken = await sign({}, rotated);
      expectInvalid(await verifier.verify(`Bearer ${newToken}`), 'key_not_found', newToken);
      expect(server.requests).toBe(1); // within jose's 30 s cooldown an unknown kid does not refetch

      jest.setSystemTime(NOW + 31_000);
      await expect(verifier.verify(`Bearer ${newToken}`)).resolves.toMatchObject({ kind: 'valid', user: { id: 'alice' } });
      expect(server.requests).toBe(2);
      // The retired key is gone, once the old token's remembered verification (60 s) has lapsed.
      now = NOW + 61_000;
      expectInvalid(await verifier.verify(`Bearer ${oldToken}`), 'key_not_found', oldToken);
    } finally {
      jest.useRealTimers();
    }
  });

  it('refetches at once for an unknown kid with no cooldown', async () => {
    const server = await jwksServer([idp.jwk]);
    servers.push(server);
    const verifier = createTokenVerifier(tokenConfig({ jwksUri: server.url }), { clock, cooldown: 0 });
    await expect(verifier.verify(`Bearer ${await sign({}, idp)}`)).resolves.toMatchObject({ kind: 'valid' });
    const rotated = await signingKey('idp-2');
    server.jwks = { keys: [idp.jwk, rotated.jwk] };
    await expect(verifier.verify(`Bearer ${await sign({}, rotated)}`)).resolves.toMatchObject({ kind: 'valid' });
    expect(server.requests).toBe(2);
  });

  it.each([
    ['answers 503', 'error', /Expected 200 OK/],
    ['drops the connection', 'drop', /fetch failed/],
    ['does not answer in time', 'hang', /timed out/],
  ] as const)('makes tokens invalid, not valid, when it %s', async (_, mode, detail) => {
    const server = await jwksServer([idp.jwk]);
    servers.push(server);
    server.mode = mode;
    const verifier = createTokenVerifier(tokenConfig({ jwksUri: server.url }), { clock, timeout: 50 });
    const token = await sign({}, idp);
    const result = await verifier.verify(`Bearer ${token}`);
    expectInvalid(result, 'jwks_unavailable', token);
    expect(result).toMatchObject({ detail: expect.stringMatching(detail) });
  });

  it('makes tokens invalid when it serves something else than a JWKS', async () => {
    const server = await jwksServer([]);
    servers.push(server);
    server.jwks = { keys: 'none' } as unknown as { keys: JWK[] };
    const token = await sign({}, idp);
    expectInvalid(await createTokenVerifier(tokenConfig({ jwksUri: server.url }), { clock }).verify(`Bearer ${token}`), 'jwks_unavailable', token);
  });
});

describe('a JWKS file', () => {
  const folder = mkdtempSync(join(tmpdir(), 'mfakit-tokens-'));
  const file = (name: string, content: unknown) => {
    const path = join(folder, name);
    writeFileSync(path, JSON.stringify(content));
    return path;
  };

  it('verifies with any fitting key when the token has no kid, as during a rotation', async () => {
    const next = await signingKey('idp-2');
    const verifier = createTokenVerifier(tokenConfig({ jwksFile: file('two.json', { keys: [idp.jwk, next.jwk] }) }), { clock });
    for (const key of [idp, next]) {
      await expect(verifier.verify(`Bearer ${await sign({}, key, { kid: undefined })}`)).resolves.toMatchObject({ kind: 'valid' });
    }
    const token = await sign({}, other, { kid: undefined });
    expectInvalid(await verifier.verify(`Bearer ${token}`), 'signature_invalid', token);
  });

  it('is refused at start when it holds a private key, is not JSON, or is missing', async () => {
    const { privateKey } = await generateKeyPair('ES256', { extractable: true });
    for (const jwksFile of [file('private.json', { keys: [await exportJWK(privateKey)] }), file('bad.json', 'nope'), join(folder, 'missing.json')]) {
      expect(() => createTokenVerifier(tokenConfig({ jwksFile }))).toThrow(expect.objectContaining({ code: 'invalid_option' }));
    }
  });
});

describe('the configuration', () => {
  it.each([
    ['two key sources', { jwksUri: 'https://id.example.test/jwks', secret: 's'.repeat(32), algorithms: ['HS256'] }],
    ['no key source', {}],
    ['a short secret', { secret: 'short', algorithms: ['HS256'] }],
    ['a public-key algorithm with a secret', { secret: 's'.repeat(32), algorithms: ['HS256', 'RS256'] }],
    ['HS256 with a JWKS', { jwksUri: 'https://id.example.test/jwks', algorithms: ['RS256', 'HS256'] }],
    ['alg none', { jwksUri: 'https://id.example.test/jwks', algorithms: ['none'] }],
    ['no algorithm', { jwksUri: 'https://id.example.test/jwks', algorithms: [] }],
    ['a jwks_uri that is no http URL', { jwksUri: 'file:///etc/jwks.json' }],
    ['an empty audience', { jwksUri: 'https://id.example.test/jwks', audience: [] }],
    ['a negative clock tolerance', { jwksUri: 'https://id.example.test/jwks', clockTolerance: -1 }],
  ] as const)('is refused at start with %s', (_, source) => {
    expect(() => createTokenVerifier(tokenConfig(source as unknown as Partial<TokenConfig>))).toThrow(MfaError);
  });
});

describe('devToken', () => {
  const config = tokenConfig({ secret: 'a development secret of 32 chars', algorithms: ['HS256'] });

  it('signs a token the verifier accepts, for the configured issuer and audience, expiring after expiresIn', async () => {
    const token = await devToken(config, { sub: 'alice', roles: ['admin'], amr: ['pwd'], expiresIn: '15m' }, { clock });
    const verifier = createTokenVerifier(config, { clock });
    const result = await verifier.verify(`Bearer ${token}`);
    expect(result).toEqual({
      kind: 'valid',
      user: { id: 'alice', roles: ['admin'], amr: ['pwd'], authTime: T },
      roles: ['admin'],
      claims: { sub: 'alice', roles: ['admin'], amr: ['pwd'], auth_time: T, iat: T, exp: T + 900, iss: ISSUER, aud: AUDIENCE },
    });
    now = NOW + 931_000;
    expectInvalid(await verifier.verify(`Bearer ${token}`), 'expired', token);
  });

  it('lasts an hour by default', async () => {
    const token = await devToken(config, { sub: 'alice' }, { clock });
    await expect(createTokenVerifier(config, { clock }).verify(`Bearer ${token}`)).resolves.toMatchObject({ claims: { exp: T + 3600 }, user: { roles: [] } });
  });

  it('is refused by a verifier of another secret', async () => {
    const token = await devToken(config, { sub: 'alice' }, { clock });
    const verifier = createTokenVerifier({ ...config, secret: 'another development secret of 32' }, { clock });
    expectInvalid(await verifier.verify(`Bearer ${token}`), 'signature_invalid', token);
  });

  it('refuses without a secret, pointing at the identity provider', async () => {
    const promise = devToken(tokenConfig({ jwksUri: 'https://id.example.test/jwks' }), { sub: 'alice' });
    await expect(promise).rejects.toThrow('`mfakit-gateway token` signs tokens only when tokens.secret is set (development); with jwks_uri or jwks_file, get a token from your identity provider');
    await expect(promise).rejects.toMatchObject({ code: 'invalid_option' });
  });

  it('refuses a bad sub or lifetime', async () => {
    await expect(devToken(config, { sub: '' })).rejects.toMatchObject({ code: 'invalid_option' });
    await expect(devToken(config, { sub: 'alice', expiresIn: 'forever' })).rejects.toThrow(/expiresIn/);
  });
});
