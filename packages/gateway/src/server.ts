import type { IncomingMessage } from 'node:http';
import { Readable } from 'node:stream';
import { createMfa, type Mfa, type MfaLogger, type MfaUser, type Notifications } from '@mfakit/core';
import { answerClientError, type HttpResult, problemResponse, requestErrorProblem } from '@mfakit/core/http';
import type { FactorStore, StateStore } from '@mfakit/core/store';
import { mfaAdminRouter, mfaRouter, writeResult } from '@mfakit/fastify';
import Fastify, { type FastifyInstance, type FastifyPluginAsync, type FastifyRequest } from 'fastify';
import { createDecider, type GatewayRequest, tokenRefusal, type Verdict } from './decide';
import { forwardAuthRoutes, hostName } from './forwardAuth';
import { normalizePath } from './paths';
import { compileBodyBinding } from './rules';
import { createUpstream, type Upstream } from './lib/forward';
import { forwardedHeaders, limitBody, READ_BODY_LIMIT, readBody } from './proxy';
import { proxyUpgrades } from './upgrade';
import { createTokenVerifier, type TokenVerifier } from './tokens';
import type { GatewayConfig } from './types';

/** What `createGateway` needs beside the configuration. */
export interface GatewayOptions {
  /**
   * The stores: `factors` durable, `state` shared by every gateway (`openStores` opens both from
   * the environment). @default one memory store, this process only
   */
  stores?: {
    /** Factors, recovery codes, exemptions. */
    factors: FactorStore;
    /** Sessions, used codes, counters and locks. @default in memory */
    state?: StateStore;
  };
  /** `MFA_ENCRYPTION_KEYS` when the file has no `encryption_keys`. */
  encryptionKeys?: string;
  /** Where warnings and failures go. @default console */
  logger?: MfaLogger;
  /** Options for `createMfa` that only code can give (a clock in tests, a lower `recoveryCodeCost`). */
  mfa?: Partial<Parameters<typeof createMfa>[0]>;
  /** The token verifier. @default `createTokenVerifier(config.tokens)` */
  tokens?: TokenVerifier;
}

/** A built gateway: the Fastify instance (call `listen`), the core it asks, and how to stop. */
export interface Gateway {
  /** The Fastify instance, ready: `listen` on it, or hand `app.routing` to a server of your own. */
  app: FastifyInstance;
  /** The core it asks, for `mfa.admin` and the like. */
  mfa: Mfa;
  /** Closes the instance (the stores stay open: close what you opened). */
  close(): Promise<void>;
}

/** The path a request that `normalizePath` refused is routed to, with the reason kept beside the request. */
const REFUSED_PATH = '/\u0000refused';
const refusedPaths = new WeakMap<IncomingMessage, string>();

/**
 * Builds the gateway of a configuration: the HTTP contract under `mfaPath` (enrollment and
 * verification with the caller's access token; the admin routes for `adminRoles`), `healthz` and
 * `readyz` beside it, the forward-auth endpoints under `/authz`, and, with an `upstream`, every
 * other path judged by the rules and forwarded. Every path is normalized once, before routing
 * (`normalizePath`): the rules match it and the upstream receives it; a path refused there is a 400.
 *
 * @example
 * const gateway = await createGateway(loadConfig('gateway.yaml'));
 * await gateway.app.listen({ host: '127.0.0.1', port: 8080 });
 */
export async function createGateway(config: GatewayConfig, options: GatewayOptions = {}): Promise<Gateway> {
  const logger = options.logger ?? console;
  const mfa = createMfa({
    ...config.mfa,
    ...(config.mfa.encryptionKeys === undefined && options.encryptionKeys ? { encryptionKeys: options.encryptionKeys } : {}),
    ...(options.stores ? { stores: options.stores } : {}),
    ...(config.notificationsUrl ? { notify: postNotices(config.notificationsUrl) } : {}),
    logger,
    ...options.mfa,
  });
  const tokens = options.tokens ?? createTokenVerifier(config.tokens);
  const decide = createDecider(mfa, config, tokens);

  const app = Fastify({
    trustProxy: config.trustedProxies.length > 0 ? config.trustedProxies : false,
    routerOptions: { caseSensitive: false, ignoreTrailingSlash: true, maxParamLength: 300 },
    rewriteUrl: (req) => normalizedUrl(req),
    frameworkErrors: (err, _request, reply) => writeResult(reply, problemResponse(requestErrorProblem(err) ?? { code: 'invalid_request', detail: 'The request is malformed.' })),
    clientErrorHandler: answerClientError,
    logger: false,
  });
  app.setErrorHandler((err, request, reply) => {
    const problem = requestErrorProblem(err);
    if (problem) return writeResult(reply, problemResponse(problem));
    logger.error(`${request.method} ${request.url.split('?', 1)[0]!.slice(0, 100)} failed: ${err instanceof Error ? `${err.name}: ${err.message}` : String(err)}`);
    return writeResult(reply, problemResponse({ code: 'internal_error', detail: 'The gateway failed to answer this request; try again later.' }));
  });
  app.setNotFoundHandler((request, reply) => writeResult(reply, notFound(request)));
  app.all(REFUSED_PATH, (request, reply) => writeResult(reply, problemResponse({ code: 'invalid_request', detail: `The path is refused: ${refusedPaths.get(request.raw) ?? 'malformed'}.` })));

  ownRoutes(app, config, mfa, tokens, options.stores);
  app.register(forwardAuthRoutes(config, decide), { prefix: '/authz' });
  const isOwn = ownPaths(config);
  if (config.upstream) {
    app.register(proxyRoutes(config, createUpstream(config.upstream, config.upstreamTimeout), isOwn, decide));
    proxyUpgrades(app.server, { upstream: config.upstream, trustedProxies: config.trustedProxies, isOwn, decide });
  }
  await app.ready();
  return { app, mfa, close: () => app.close() };
}

/**
 * The request's URL with its path normalized and its query as sent; a refused path goes to
 * {@link REFUSED_PATH}, whose route answers 400 with the reason.
 */
function normalizedUrl(req: IncomingMessage): string {
  const url = req.url ?? '';
  const queryAt = url.indexOf('?');
  const normalized = normalizePath(queryAt === -1 ? url : url.slice(0, queryAt));
  if (normalized.ok) return queryAt === -1 ? normalized.path : normalized.path + url.slice(queryAt);
  refusedPaths.set(req, normalized.reason);
  return REFUSED_PATH;
}

/** Whether a normalized path is the gateway's own (`mfaPath` and `/authz`, in any case): never forwarded. */
function ownPaths(config: GatewayConfig): (path: string) => boolean {
  const own = [config.mfaPath.toLowerCase(), '/authz'];
  return (path) => {
    const lower = path.toLowerCase();
    return own.some((prefix) => lower === prefix || lower.startsWith(`${prefix}/`));
  };
}

const notFound = (request: FastifyRequest): HttpResult => problemResponse({ code: 'not_found', detail: `Nothing here: ${request.method} ${request.url.split('?', 1)[0]!.slice(0, 100)}` });

/**
 * The gateway's own routes: the HTTP contract and the admin routes under `mfaPath` (the caller's
 * access token is the primary authentication: a bad one is a 401 `invalid_token`, none a 401
 * `authentication_required`), and `healthz` (alive) and `readyz` (the stores answer) beside them,
 * which need no token.
 */
function ownRoutes(app: FastifyInstance, config: GatewayConfig, mfa: Mfa, tokens: TokenVerifier, stores: GatewayOptions['stores']): void {
  app.get(`${config.mfaPath}/healthz`, (_request, reply) => reply.header('Cache-Control', 'no-store').send({ status: 'ok' }));
  app.get(`${config.mfaPath}/readyz`, async (_request, reply) => {
    const failure = await storesFailure(stores);
    if (failure === null) return reply.header('Cache-Control', 'no-store').send({ status: 'ready' });
    return writeResult(reply, problemResponse({ code: 'mfa_unavailable', detail: `A store does not answer: ${failure}.` }));
  });

  const users = new WeakMap<FastifyRequest, MfaUser>();
  const getUser = (request: FastifyRequest) => users.get(request) ?? null;
  const adminRoles = new Set(config.adminRoles);
  const contract: FastifyPluginAsync = async (scope) => {
    scope.addHook('onRequest', async (request, reply) => {
      const token = await tokens.verify(request.headers.authorization);
      if (token.kind === 'invalid') return writeResult(reply, tokenRefusal(token.reason));
      if (token.kind === 'valid' && token.user) users.set(request, token.user);
    });
    scope.register(mfaRouter(mfa, { getUser }), { prefix: config.mfaPath });
    scope.register(mfaAdminRouter(mfa, { getUser, authorize: (user) => user.roles?.some((role) => adminRoles.has(role)) ?? false }), { prefix: `${config.mfaPath}/admin` });
  };
  app.register(contract);
}

const READY_TIMEOUT_MS = 2000;

/** Null when both stores answer a read within two seconds; else what failed. */
async function storesFailure(stores: GatewayOptions['stores']): Promise<string | null> {
  if (!stores) return null;
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<string>((resolve) => {
    timer = setTimeout(() => resolve('no answer within 2 s'), READY_TIMEOUT_MS);
  });
  const probe = Promise.all([stores.factors.getUser('mfakit-gateway-readyz'), stores.state?.get('mfakit-gateway-readyz')]).then(
    () => null,
    (err: Error) => err.message,
  );
  try {
    return await Promise.race([probe, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Standalone mode: every path that is not the gateway's own is judged and, when allowed, forwarded
 * to the upstream with undici (`createUpstream`): the method, the normalized path exactly as the
 * rules matched it, the query as sent, the body streamed as it comes, and the headers but for the
 * MFA credentials, the client's identity headers, method overrides and hop-by-hop headers; with
 * the identity headers added. The body of a request that may fall under a
 * `once: { bind_body: true }` rule, or that carries a step-up grant, is read first (at most
 * `body_limit`, else 1 MiB), for the core to check the grant's digest, then sent on unchanged.
 */
function proxyRoutes(config: GatewayConfig, upstream: Upstream, isOwn: (path: string) => boolean, decide: (request: GatewayRequest) => Promise<Verdict>) {
  return async function proxy(app: FastifyInstance) {
    // By now the server has stopped and no request is in flight: only idle connections are left.
    app.addHook('onClose', () => upstream.close());
    // Bodies go on to the upstream as streams, as they arrive, but for those the decision needs:
    // a request that may fall under a rule binding grants to the body, or that sends a grant.
    const mayBindBody = compileBodyBinding(config.rules);
    const readLimit = config.bodyLimit ?? READ_BODY_LIMIT;
    app.removeAllContentTypeParsers();
    app.addContentTypeParser('*', (request, payload, done) => {
      const read = request.headers['x-mfa-grant'] !== undefined || mayBindBody({ method: request.method, path: request.url.split('?', 1)[0]!, host: request.host });
      if (read) readBody(request.raw, payload, readLimit, done);
      else limitBody(request.raw, payload, config.bodyLimit, done);
    });
    app.all('/*', async (request, reply) => {
      const queryAt = request.url.indexOf('?');
      const path = queryAt === -1 ? request.url : request.url.slice(0, queryAt);
      if (isOwn(path)) return writeResult(reply, notFound(request));
      const rawBody = Buffer.isBuffer(request.body) ? request.body : undefined;
      const verdict = await decide({
        method: request.method,
        path,
        query: queryAt === -1 ? '' : request.url.slice(queryAt),
        host: hostName(request.host),
        headers: request.headers,
        ip: request.ip,
        ...(rawBody ? { rawBody } : {}),
      });
      if (!verdict.allow) return writeResult(reply, verdict.response);
      reply.hijack();
      upstream.forward({
        req: request.raw,
        res: reply.raw,
        path: request.url,
        headers: forwardedHeaders(request.headers, verdict.identity, { ip: request.ip, protocol: request.protocol, host: request.host }),
        // A body read for the decision goes on as the bytes it was.
        body: rawBody ?? (request.body instanceof Readable ? request.body : null),
        added: verdict.headers,
      });
    });
  };
}

/** Notices to users and administrators, each POSTed as JSON (`{ to: 'user' | 'admins', notice }`) to the configured URL. */
function postNotices(url: string): Notifications {
  const post = async (to: 'user' | 'admins', notice: unknown) => {
    const response = await fetch(url, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ to, notice }), signal: AbortSignal.timeout(5000) });
    if (!response.ok) throw new Error(`notifications_url answered ${response.status}`);
  };
  return { user: (notice) => post('user', notice), admins: (notice) => post('admins', notice) };
}
