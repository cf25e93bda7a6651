import { METHODS } from 'node:http';
import { format } from 'node:util';
import fc from 'fast-check';
import { fuzzedBody, fuzzedHeaders, fuzzedTarget, type WireHeader } from '../arbitraries';
import { type Listening, type RawRequest, type RawResponse, sendRaw } from '../rawHttp';

/**
 * Runs per framework: 200 in CI, enough to cover every route with odd methods, headers and bodies
 * a few times in a few seconds; `MFAKIT_FUZZ_RUNS=5000` for a longer hunt by hand. fast-check
 * prints the seed and the shrunk request of a failure; pass them back as `{ seed, path }` to replay it.
 */
export const FUZZ_RUNS = Number(process.env.MFAKIT_FUZZ_RUNS) || 200;

/** What the fuzzed requests are about: who may be signed in, and what must never come back. */
export interface FuzzContext {
  /** The app, listening. */
  server: Listening;
  /** Route templates (`/mfa/totp/:factorId/confirm`) the targets are built from. */
  templates: readonly string[];
  /** Headers of a signed-in user, one of which a request may carry (e.g. X-Test-User and a valid session). */
  identities: readonly WireHeader[][];
  /** The user's TOTP secret, session tokens, recovery codes: never in an answer or a log line. */
  secrets: readonly string[];
  /** What the core's logger wrote so far. */
  coreLog(): string[];
  /** What the console printed so far (the frameworks log there). */
  consoleLog(): string[];
}

const UNDER_MFA = /^\/mfa(?:[/?#]|$)/;
const UNDER_MFA_ANY_CASE = /^\/mfa(?:[/?#]|$)/i;
// The methods every framework routes. Fastify routes no other (ACL, MKCOL...): its not-found
// handlers answer those, and they match their prefix by case (`ACL /MFA/x` is the application's 404).
const ROUTED_METHODS = new Set(['GET', 'HEAD', 'POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS']);
const GUARDED = /^\/(?:protected|sensitive|hwk-only|once)\/?(?:[?#]|$)/i;
const GUARD_STATUSES = new Set([401, 403, 429]);

/**
 * Whether an answer to `target` is mfakit's (a 4xx of which must be a problem): every answer under
 * `/mfa` (the routers answer every path there), and on the suites' protected routes a success
 * (the guard passed) or a guard's refusal (401, 403, 429). The rest is the test application's own:
 * its framework's 404 page for a path or a method it has no route for, its own body parser's errors.
 */
export function answeredByMfakit(method: string, target: string, status: number): boolean {
  return UNDER_MFA.test(target) || (ROUTED_METHODS.has(method) && UNDER_MFA_ANY_CASE.test(target)) || (GUARDED.test(target) && (status < 400 || GUARD_STATUSES.has(status)));
}

/** Every method Node's parser reads, but CONNECT (a tunnel, not a request), and a few it refuses. */
const FUZZ_METHODS = [...METHODS.filter((method) => method !== 'CONNECT'), 'get', 'FOO', 'GET\u0000'];

// express-rate-limit's configuration advice, each once per limiter, when a request carries
// X-Forwarded-For or Forwarded and the app trusts no proxy (then every user behind a real proxy
// would share one address): a warning with its stack, printed by design, not a failure of mfakit's.
const PROXY_ADVICE = /express-rate-limit\.github\.io\/ERR_ERL_(?:UNEXPECTED_X_FORWARDED_FOR|FORWARDED_HEADER)\//;
const STACK = /\n\s+at \S|\bat (?:async )?\S+ \((?:\/|node:)|node:internal|\.[cm]?[jt]s:\d+:\d+/;

/**
 * A request of the property: method, target, headers (an identity first; most bodies declared
 * JSON, so that they reach the handlers), and maybe a body.
 */
export function fuzzedRequest(context: FuzzContext): fc.Arbitrary<RawRequest> {
  return fc
    .record({
      method: fc.oneof({ weight: 6, arbitrary: fc.constantFrom('GET', 'POST', 'PUT', 'DELETE') }, { weight: 2, arbitrary: fc.constantFrom(...FUZZ_METHODS) }),
      target: fuzzedTarget(context.templates),
      identity: fc.constantFrom(...context.identities),
      declaredJson: fc.oneof({ weight: 3, arbitrary: fc.constant(true) }, { weight: 1, arbitrary: fc.constant(false) }),
      headers: fuzzedHeaders(),
      body: fc.option(fuzzedBody(), { nil: undefined, freq: 3 }),
      chunked: fc.boolean(),
    })
    .map(({ identity, declaredJson, headers, body, ...request }): RawRequest => {
      const json: WireHeader[] = body && declaredJson ? [['Content-Type', 'application/json']] : [];
      return { ...request, headers: [...identity, ...json, ...headers], ...(body ? { body } : {}) };
    });
}

/** The prototypes a careless merge of a body would pollute, as they are before the run. */
export function prototypeSnapshot(): string {
  return [Object.prototype, Array.prototype, Function.prototype, String.prototype, Number.prototype, Boolean.prototype]
    .map((prototype) => Object.getOwnPropertyNames(prototype).sort().join(','))
    .join('|');
}

/**
 * Sends one request and checks the answer: never a 5xx; an answer of mfakit's (see
 * {@link answeredByMfakit}) that is a 4xx is an RFC 9457 problem whose `status` is the HTTP status
 * (Node's own refusal of malformed HTTP never reaches the app, and is not one); no secret in the
 * answer, its headers or any log line; no stack trace in an answer of mfakit's, in the core's log,
 * or in what the console printed while mfakit answered (the test application's own error pages
 * and parsers are its business); no prototype polluted. Throws an Error saying what broke, for
 * fast-check to shrink and report.
 */
export async function checkRequest(context: FuzzContext, request: RawRequest, prototypes: string): Promise<void> {
  const before = { reached: context.server.reached(), core: context.coreLog().length, console: context.consoleLog().length };
  const answer = await sendRaw(context.server.port, request);
  const reached = context.server.reached() > before.reached;
  const text = answer.body.toString('utf8');
  if (answer.status >= 500) throw new Error(`answered ${answer.status}: ${text.slice(0, 300)}`);
  const mfakits = reached && answeredByMfakit(request.method, request.target, answer.status);
  if (mfakits && answer.status >= 400 && request.method !== 'HEAD') expectProblem(answer, text);
  const answered = [text, ...Object.values(answer.headers).flat()];
  const logged = [...context.coreLog().slice(before.core), ...context.consoleLog().slice(before.console)];
  for (const part of [...answered, ...logged]) {
    const secret = context.secrets.find((value) => part.includes(value));
    if (secret) throw new Error(`a secret came out: ${part.slice(0, 300)}`);
  }
  const ours = mfakits ? [...answered, ...logged.filter((line) => !PROXY_ADVICE.test(line))] : context.coreLog().slice(before.core);
  const stack = ours.find((part) => STACK.test(part));
  if (stack) throw new Error(`a stack trace came out: ${stack.slice(0, 300)}`);
  if (({} as Record<string, unknown>).polluted !== undefined || prototypeSnapshot() !== prototypes) throw new Error('a prototype was polluted');
}

function expectProblem(answer: RawResponse, text: string): void {
  const type = answer.headers['content-type']?.[0] ?? '';
  if (!type.startsWith('application/problem+json')) throw new Error(`a ${answer.status} that is not problem+json (${type}): ${text.slice(0, 200)}`);
  let body: { status?: unknown; code?: unknown; type?: unknown };
  try {
    body = JSON.parse(text) as typeof body;
  } catch {
    throw new Error(`a ${answer.status} problem whose body is not JSON: ${text.slice(0, 200)}`);
  }
  if (body.status !== answer.status) throw new Error(`a ${answer.status} whose problem says status ${String(body.status)}`);
  if (typeof body.code !== 'string' || body.type !== `urn:mfakit:problem:${body.code}`) throw new Error(`a problem without a stable code: ${text.slice(0, 200)}`);
}

/**
 * Collects what the console prints while `work` runs (frameworks log there: Koa's default error
 * handler, Nest's logger), for the property to read; restores the console afterwards.
 */
export async function withConsoleCaptured<T>(lines: string[], work: () => Promise<T>): Promise<T> {
  const methods = ['log', 'info', 'warn', 'error', 'debug'] as const;
  const spies = methods.map((method) => jest.spyOn(console, method).mockImplementation((...args: unknown[]) => void lines.push(format(...args))));
  try {
    return await work();
  } finally {
    for (const spy of spies) spy.mockRestore();
  }
}
