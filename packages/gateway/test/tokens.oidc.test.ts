// Threat: the gateway accepts tokens that a real OpenID provider would not vouch for, or misreads the ones it issues, so a
// client's own token passes as a user, or a token meant for another audience (an ID token, another API) is let in.
//
// A real provider: oidc-provider 9 (panva) in-process on 127.0.0.1, signing RS256 JWT access tokens (RFC 9068) for a
// resource indicator (RFC 8707), with its key published at the jwks_uri of its discovery document. Users sign in through
// an authorization code flow whose interaction this file finishes, with or without `amr`.
import { createHash, randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, generateKeyPair } from 'jose';
import { createTokenVerifier, type TokenResult, type TokenVerifier } from '../src/tokens';

/** The little of oidc-provider this file uses: the package ships no types, and ESM only (jest transpiles it). */
interface OidcProvider {
  callback(): (req: IncomingMessage, res: ServerResponse) => void;
  interactionDetails(req: IncomingMessage, res: ServerResponse): Promise<{ params: { client_id: string } }>;
  interactionFinished(req: IncomingMessage, res: ServerResponse, result: object, options?: { mergeWithLastSubmission: boolean }): Promise<void>;
  Grant: new (init: { accountId: string; clientId: string }) => { addOIDCScope(scope: string): void; addResourceScope(resource: string, scope: string): void; save(): Promise<string> };
}
const { default: Provider } = require('oidc-provider') as { default: new (issuer: string, configuration: object) => OidcProvider };

const API = 'https://api.example.test';
const OTHER_API = 'https://other-api.example.test';
const CLIENT_SECRET = 'a client secret of the test, long enough';
const REDIRECT_URI = 'https://app.example.test/callback';

/** Who the next sign-in (the interaction this file answers) logs in, and with which RFC 8176 methods. */
let nextLogin: { accountId: string; amr?: string[] } = { accountId: 'alice' };
let provider: OidcProvider;
let server: Server;
let issuer: string;
let verifier: TokenVerifier;

/** The provider's configuration: its signing key, the clients `svc` and `web`, JWT access tokens for any resource. */
async function configuration(kid: string): Promise<object> {
  const { privateKey } = await generateKeyPair('RS256', { extractable: true });
  return {
    jwks: { keys: [{ ...(await exportJWK(privateKey)), kid, alg: 'RS256', use: 'sig' }] },
    cookies: { keys: ['a cookie key of the test provider'] },
    ttl: { AccessToken: 300, ClientCredentials: 300, IdToken: 300, Grant: 600, Interaction: 600, Session: 600 },
    clients: [
      { client_id: 'svc', client_secret: CLIENT_SECRET, grant_types: ['client_credentials'], response_types: [], redirect_uris: [] },
      { client_id: 'web', client_secret: CLIENT_SECRET, grant_types: ['authorization_code'], response_types: ['code'], redirect_uris: [REDIRECT_URI] },
    ],
    features: {
      devInteractions: { enabled: false },
      clientCredentials: { enabled: true },
      resourceIndicators: {
        enabled: true,
        defaultResource: () => API,
        useGrantedResource: () => true,
        getResourceServerInfo: (_ctx: unknown, resource: string) => ({ audience: resource, scope: 'api:read', accessTokenFormat: 'jwt', jwt: { sign: { alg: 'RS256' } } }),
      },
    },
    interactions: { url: (_ctx: unknown, interaction: { uid: string }) => `/interaction/${interaction.uid}` },
    findAccount: (_ctx: unknown, sub: string) => ({ accountId: sub, claims: () => ({ sub }) }),
    extraTokenClaims,
  };
}

beforeAll(async () => {
  server = createServer((req, res) => {
    if (req.url?.startsWith('/interaction/')) void finishInteraction(req, res);
    else provider.callback()(req, res);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  provider = new Provider(issuer, await configuration('op-key-1'));
  const discovery = (await (await fetch(`${issuer}/.well-known/openid-configuration`)).json()) as { issuer: string; jwks_uri: string };
  expect(discovery.jwks_uri).toBe(`${issuer}/jwks`);
  verifier = createTokenVerifier({ jwksUri: discovery.jwks_uri, issuer: discovery.issuer, audience: [API], algorithms: ['RS256'], clockTolerance: 30, userClaim: 'sub', rolesClaim: 'roles' });
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

/**
 * The provider's `extraTokenClaims`: a user's token carries the `amr` and `auth_time` of the sign-in (as Keycloak or
 * Entra ID put them in access tokens); a client's own token tries to pass as alice with an `amr`, and gets roles.
 */
function extraTokenClaims(ctx: { oidc: { entities: { AuthorizationCode?: { amr?: string[]; authTime: number } } } }, token: { clientId: string }) {
  const code = ctx.oidc.entities.AuthorizationCode;
  if (code !== undefined) return { auth_time: code.authTime, ...(code.amr === undefined ? {} : { amr: code.amr }) };
  if (token.clientId === 'svc') return { sub: 'alice', amr: ['pwd', 'otp'], roles: 'ingest report' };
  return undefined;
}

/** The sign-in page: logs `nextLogin` in and grants `web` the API's scope, as a login and consent form would. */
async function finishInteraction(req: IncomingMessage, res: ServerResponse): Promise<void> {
  const { params } = await provider.interactionDetails(req, res);
  const grant = new provider.Grant({ accountId: nextLogin.accountId, clientId: params.client_id });
  grant.addOIDCScope('openid');
  grant.addResourceScope(API, 'api:read');
  const login = { accountId: nextLogin.accountId, ...(nextLogin.amr === undefined ? {} : { amr: nextLogin.amr }) };
  await provider.interactionFinished(req, res, { login, consent: { grantId: await grant.save() } }, { mergeWithLastSubmission: false });
}

const basic = (clientId: string) => `Basic ${Buffer.from(`${clientId}:${CLIENT_SECRET}`).toString('base64')}`;

async function tokenRequest(clientId: string, body: Record<string, string>): Promise<{ access_token: string; id_token?: string; token_type: string }> {
  const res = await fetch(`${issuer}/token`, { method: 'POST', headers: { authorization: basic(clientId) }, body: new URLSearchParams(body) });
  expect(res.status).toBe(200);
  return (await res.json()) as { access_token: string; id_token?: string; token_type: string };
}

/** The authorization code flow of `web` for `nextLogin`, through the provider's redirects (a browser's cookies kept by hand). */
async function signIn(login: typeof nextLogin): Promise<{ access_token: string; id_token?: string }> {
  nextLogin = login;
  const verifierCode = randomBytes(32).toString('base64url');
  const query = new URLSearchParams({
    client_id: 'web',
    response_type: 'code',
    scope: 'openid api:read',
    redirect_uri: REDIRECT_URI,
    resource: API,
    code_challenge: createHash('sha256').update(verifierCode).digest('base64url'),
    code_challenge_method: 'S256',
  });
  const cookies = new Map<string, string>();
  let location = `${issuer}/auth?${query}`;
  while (!location.startsWith(REDIRECT_URI)) {
    const res = await fetch(location, { redirect: 'manual', headers: { cookie: [...cookies].map(([name, value]) => `${name}=${value}`).join('; ') } });
    expect(res.status).toBe(303);
    for (const cookie of res.headers.getSetCookie()) {
      const [name = '', value = ''] = cookie.split(';')[0]?.split('=') ?? [];
      if (value === '') cookies.delete(name);
      else cookies.set(name, value);
    }
    location = new URL(res.headers.get('location') ?? '', issuer).href;
  }
  const code = new URL(location).searchParams.get('code') ?? '';
  return tokenRequest('web', { grant_type: 'authorization_code', code, redirect_uri: REDIRECT_URI, code_verifier: verifierCode, resource: API });
}

function valid(result: TokenResult): Extract<TokenResult, { kind: 'valid' }> {
  if (result.kind !== 'valid') throw new Error(`expected a valid token, got ${JSON.stringify(result)}`);
  return result;
}

describe('tokens of a real OpenID provider (oidc-provider 9)', () => {
  it("verify a user's JWT access token with the provider's JWKS, and carry the sign-in's amr and auth_time", async () => {
    const { access_token } = await signIn({ accountId: 'alice', amr: ['pwd', 'otp'] });
    const { user, claims } = valid(await verifier.verify(`Bearer ${access_token}`));
    expect(claims).toMatchObject({ iss: issuer, aud: API, sub: 'alice', client_id: 'web', scope: 'api:read' });
    expect(user).toEqual({ id: 'alice', roles: [], amr: ['pwd', 'otp'], authTime: expect.any(Number) });
  });

  it('verify a token of a sign-in without amr: the user has no upstream methods, so only the gateway can prove MFA', async () => {
    const { access_token } = await signIn({ accountId: 'bob' });
    const { user } = valid(await verifier.verify(`Bearer ${access_token}`));
    expect(user).toEqual({ id: 'bob', roles: [], authTime: expect.any(Number) });
  });

  it("give a client-credentials token no user: the provider sets sub to the client's id (RFC 9068 §2.2), whatever extraTokenClaims says", async () => {
    const { access_token, token_type } = await tokenRequest('svc', { grant_type: 'client_credentials', resource: API, scope: 'api:read' });
    expect(token_type).toBe('Bearer');
    const result = valid(await verifier.verify(`Bearer ${access_token}`));
    expect(result.claims).toMatchObject({ iss: issuer, aud: API, sub: 'svc', client_id: 'svc', amr: ['pwd', 'otp'] });
    expect(result.user).toBeNull();
    expect(result.roles).toEqual(['ingest', 'report']);
  });

  it('refuse its token for another resource, and its ID token, whose audience is the client', async () => {
    const other = await tokenRequest('svc', { grant_type: 'client_credentials', resource: OTHER_API, scope: 'api:read' });
    await expect(verifier.verify(`Bearer ${other.access_token}`)).resolves.toMatchObject({ kind: 'invalid', reason: 'audience_mismatch' });
    const { id_token } = await signIn({ accountId: 'alice', amr: ['pwd'] });
    expect(id_token).toBeDefined();
    await expect(verifier.verify(`Bearer ${id_token}`)).resolves.toMatchObject({ kind: 'invalid', reason: 'audience_mismatch' });
  });

  it('refuse a token of an impostor provider that claims the same issuer and kid, with its own key', async () => {
    const impostor = new Provider(issuer, await configuration('op-key-1'));
    const impostorServer = createServer(impostor.callback());
    await new Promise<void>((resolve) => impostorServer.listen(0, '127.0.0.1', resolve));
    try {
      const port = (impostorServer.address() as AddressInfo).port;
      const res = await fetch(`http://127.0.0.1:${port}/token`, {
        method: 'POST',
        headers: { authorization: basic('svc') },
        body: new URLSearchParams({ grant_type: 'client_credentials', resource: API }),
      });
      const { access_token } = (await res.json()) as { access_token: string };
      await expect(verifier.verify(`Bearer ${access_token}`)).resolves.toMatchObject({ kind: 'invalid', reason: 'signature_invalid' });
    } finally {
      impostorServer.closeAllConnections();
      await new Promise((resolve) => impostorServer.close(resolve));
    }
  });
});
