// Threat: a bearer token the gateway remembers as verified (so as not to verify it on every request) passes after it
// expired, after the key that signed it was withdrawn, or in place of a token that differs from it by a character.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { type CryptoKey, exportJWK, generateKeyPair, type JWK, SignJWT } from 'jose';
import { createTokenVerifier, devToken, type TokenResult, type TokenVerifierOptions } from '../src/tokens';
import type { TokenConfig } from '../src/types';

const NOW = Date.parse('2026-06-01T12:00:00Z');
const TOLERANCE_S = 30;
let now = NOW;
const clock = { now: () => now };

const SECRET_CONFIG: TokenConfig = { secret: 's'.repeat(32), algorithms: ['HS256'], clockTolerance: TOLERANCE_S, userClaim: 'sub', rolesClaim: 'roles' };

beforeEach(() => {
  now = NOW;
});

const secretVerifier = (options: TokenVerifierOptions = {}) => createTokenVerifier(SECRET_CONFIG, { clock, ...options });
const verdict = (result: TokenResult) => (result.kind === 'invalid' ? result.reason : result.kind);

describe('a remembered token', () => {
  it('is refused from the moment jose refuses it as expired, as a verifier that remembers nothing does', async () => {
    const token = await devToken(SECRET_CONFIG, { sub: 'alice', expiresIn: '2m' }, { clock });
    const remembering = secretVerifier({ remember: { maxAge: 3_600_000 } });
    const forgetting = secretVerifier({ remember: false });
    expect(verdict(await remembering.verify(`Bearer ${token}`))).toBe('valid');
    const expiry = NOW + (120 + TOLERANCE_S) * 1000;
    for (const at of [expiry - 1001, expiry - 1, expiry, expiry + 1, expiry + 60_000]) {
      now = at;
      const expected = verdict(await forgetting.verify(`Bearer ${token}`));
      expect([at - expiry, verdict(await remembering.verify(`Bearer ${token}`))]).toEqual([at - expiry, expected]);
    }
    expect(verdict(await remembering.verify(`Bearer ${token}`))).toBe('expired');
  });

  it('stands for no other token: one character of its signature changed is refused', async () => {
    const verifier = secretVerifier();
    const token = await devToken(SECRET_CONFIG, { sub: 'alice' }, { clock });
    expect(verdict(await verifier.verify(`Bearer ${token}`))).toBe('valid');
    const last = token.at(-2) === 'A' ? 'B' : 'A';
    const altered = `${token.slice(0, -2)}${last}${token.at(-1)}`;
    expect(verdict(await verifier.verify(`Bearer ${altered}`))).toBe('signature_invalid');
    expect(verdict(await verifier.verify(`Bearer ${token}x`))).not.toBe('valid');
    expect(verdict(await verifier.verify(`Bearer ${token}`))).toBe('valid');
  });

  it('is shared frozen: a caller that changes the user or the roles it got changes nothing for the next request', async () => {
    const verifier = secretVerifier();
    const token = await devToken(SECRET_CONFIG, { sub: 'alice', roles: ['viewer'] }, { clock });
    const first = await verifier.verify(`Bearer ${token}`);
    if (first.kind !== 'valid') throw new Error('the token should verify');
    expect(() => {
      first.roles.push('admin');
    }).toThrow(TypeError);
    expect(() => {
      (first.user as { id: string }).id = 'bob';
    }).toThrow(TypeError);
    expect(await verifier.verify(`Bearer ${token}`)).toMatchObject({ kind: 'valid', user: { id: 'alice', roles: ['viewer'] }, roles: ['viewer'] });
  });
});

describe('with a remote JWKS', () => {
  let server: Server;
  let jwks: { keys: JWK[] };
  let fetches = 0;
  let signing: CryptoKey;
  const ISSUER = 'https://id.example.test/';

  beforeAll(async () => {
    const pair = await generateKeyPair('ES256');
    signing = pair.privateKey;
    jwks = { keys: [{ ...(await exportJWK(pair.publicKey)), kid: 'k1', alg: 'ES256', use: 'sig' }] };
    server = createServer((_req, res) => {
      fetches += 1;
      res.writeHead(200, { 'content-type': 'application/jwk-set+json' }).end(JSON.stringify(jwks));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  });

  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });

  const url = () => `http://127.0.0.1:${(server.address() as AddressInfo).port}/jwks`;
  const sign = (sub: string) => new SignJWT({ iss: ISSUER, sub, exp: Math.floor(NOW / 1000) + 3600 }).setProtectedHeader({ alg: 'ES256', kid: 'k1' }).sign(signing);
  // jose keeps no JWKS (cacheMaxAge 0, no cooldown): each verification fetches it, which counts them.
  const verifierOf = (remember: TokenVerifierOptions['remember']) =>
    createTokenVerifier(
      { jwksUri: url(), issuer: ISSUER, algorithms: ['ES256'], clockTolerance: TOLERANCE_S, userClaim: 'sub', rolesClaim: 'roles' },
      { clock, cacheMaxAge: 0, cooldown: 0, remember },
    );

  it('is verified again once maxAge has passed, and then a withdrawn key refuses it', async () => {
    const verifier = verifierOf({ maxAge: 60_000 });
    const token = await sign('alice');
    const saved = jwks.keys;
    try {
      expect(verdict(await verifier.verify(`Bearer ${token}`))).toBe('valid');
      const before = fetches;
      jwks = { keys: [] }; // the identity provider withdraws the key
      now = NOW + 59_999;
      expect(verdict(await verifier.verify(`Bearer ${token}`))).toBe('valid');
      expect(fetches).toBe(before); // remembered: not verified again
      now = NOW + 60_000;
      expect(verdict(await verifier.verify(`Bearer ${token}`))).toBe('key_not_found');
    } finally {
      jwks = { keys: saved };
    }
  });

  it('keeps at most `max` tokens, the oldest forgotten first, and never a refused one', async () => {
    const verifier = verifierOf({ max: 2 });
    const [a, b, c] = await Promise.all(['a', 'b', 'c'].map(sign));
    const fetched = async (token: string) => {
      const before = fetches;
      expect(verdict(await verifier.verify(`Bearer ${token}`))).toBe('valid');
      return fetches - before;
    };
    expect([await fetched(a!), await fetched(b!), await fetched(a!), await fetched(b!)]).toEqual([1, 1, 0, 0]);
    expect(await fetched(c!)).toBe(1); // a, the oldest, goes
    expect([await fetched(b!), await fetched(c!), await fetched(a!)]).toEqual([0, 0, 1]);

    const forged = `${c!.slice(0, c!.lastIndexOf('.'))}.${'A'.repeat(86)}`;
    for (let i = 0; i < 2; i += 1) {
      const before = fetches;
      expect(verdict(await verifier.verify(`Bearer ${forged}`))).toBe('signature_invalid');
      expect(fetches).toBe(before + 1);
    }
  });
});
