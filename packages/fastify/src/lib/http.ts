import type { MfaRequest, MfaUser } from '@mfakit/core';
import { type HttpResult, mfaUserOf, readMfaRequest } from '@mfakit/core/http';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { fastifyReader } from './reader';

/**
 * Reads the primary user off a request; return null when there is none, and the request is
 * answered 401 `authentication_required`. The id keys every piece of MFA state, so it must be
 * stable for the user (not a session or token id). Return `roles` when `policy.required` or an
 * admin `authorize` checks them, and `amr` / `authTime` when `policy.trustedAmr` should accept an
 * upstream SSO's MFA (RFC 8176, OIDC `auth_time`).
 *
 * @example
 * requireMfa(mfa, { getUser: (request) => (request.account ? { id: request.account.uid } : null) });
 */
export type GetUser = (request: FastifyRequest) => MfaUser | null | undefined;

/**
 * The user that @fastify/jwt (`request.jwtVerify()`) and @fastify/passport leave in
 * `request.user`, by its `id` or else its `sub` claim, with its `roles`, `amr` and `auth_time`
 * (see `mfaUserOf`). The default `getUser`.
 *
 * @example
 * requireMfa(mfa, { getUser: (request) => requestUser(request) ?? request.apiClient ?? null });
 */
export const requestUser: GetUser = (request) => mfaUserOf((request as { user?: unknown }).user);

/** Turns a Fastify request into the plain request the core decides on, every part of it read. */
export function toMfaRequest(request: FastifyRequest, getUser: GetUser): MfaRequest {
  return readMfaRequest(fastifyReader, request, getUser(request) ?? null, true);
}

/**
 * Makes an instance's JSON parser keep the exact bytes of each body as `request.rawBody` (a
 * Buffer), for a step-up grant bound to the body's digest (`requireFreshMfa(mfa, { once: {
 * bindBody: true } })`): Fastify's own parser, with its limits and its prototype-poisoning
 * checks, still parses. Call it on the instance (or the plugin) whose routes need it, before
 * their routes. `request.rawBody` is also what the `fastify-raw-body` plugin sets.
 *
 * @param app - The instance or plugin scope.
 * @example
 * const app = Fastify(mfaServerOptions);
 * keepRawBody(app);
 * app.post('/api/payees', { preHandler: requireFreshMfa(mfa, { once: { bindBody: true } }) }, addPayee);
 */
export function keepRawBody(app: FastifyInstance): void {
  const parse = app.getDefaultJsonParser('error', 'error');
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'buffer' }, (request, body, done) => {
    (request as { rawBody?: Buffer }).rawBody = body as Buffer;
    void parse(request, (body as Buffer).toString('utf8'), done);
  });
}

/**
 * Writes a core answer (`HttpResult`) out unchanged: its status, its headers, and its body as
 * JSON (`application/json; charset=utf-8` unless the answer names its own type, such as
 * `application/problem+json; charset=utf-8`), or no body at all. Use it to send the core's
 * answers from your own routes, e.g. a denial of `guard`.
 *
 * @param reply - The Fastify reply to send.
 * @param result - The core's answer.
 * @returns The reply, sent: return it from an async handler or hook.
 * @example
 * return writeResult(reply, await handleRoute(mfa, 'status', input));
 */
export function writeResult(reply: FastifyReply, result: HttpResult): FastifyReply {
  reply.code(result.status).headers(result.headers);
  if (result.body === undefined) return reply.send();
  if (!reply.hasHeader('Content-Type')) reply.type('application/json; charset=utf-8');
  return reply.send(JSON.stringify(result.body));
}
