import { ChallengeParseError, parseWwwAuthenticate, type StepUpRequirement, stepUpRequirement } from './challenge';
import { MfaClientError, type ProblemDetails } from './errors';
import { type BodyBytes, bodyBytes, contentDigest, type ReplayableBody, replayableBody } from './lib/body';
import { type CodeProof, MfaRoutes, SESSION_TOKEN_HEADER, type StepUpAction } from './lib/mfaRoutes';
import { problemOf } from './lib/problem';
import { pageLocation, parse, type Settings, settingsOf } from './lib/settings';
import type { MfaFetch, MfaFetchOptions, PromptAnswer, StepUpChallenge } from './options';

/** The header that carries a step-up grant, spent by the one request it was made for. */
const GRANT_HEADER = 'X-MFA-Grant';

/** Failures of one answer that another answer may mend: the prompt is asked again. */
const RETRYABLE = new Set(['mfa_invalid_code', 'webauthn_verification_failed', 'webauthn_challenge_invalid', 'passkey_failed']);

/** One call of the returned fetch, as it was made. */
interface Call {
  input: string | URL | Request;
  init: RequestInit | undefined;
  url: URL;
  method: string;
  body: ReplayableBody;
}

/**
 * Makes a `fetch` that answers mfakit's step-up challenges: when an API refuses a request with
 * 401 and an RFC 9470 challenge (`WWW-Authenticate: Bearer error="insufficient_user_authentication"`),
 * it asks the person through `prompt`, proves the factor at the `/mfa` routes, and sends the
 * request once more. Every other answer comes back as is, a 401 without such a challenge too
 * (`authentication_required`: signing in is the application's business).
 *
 * - A challenge with `max_age=0` (a route that wants a proof for this request alone) is answered
 *   with a step-up grant: `POST {base}/verify` names the action (method, path and query, and the
 *   SHA-256 digest of the exact body, RFC 9530), and the request goes again with `X-MFA-Grant`.
 *   The next request to that route asks again.
 * - Any other challenge is answered with an MFA session: its token is kept (`session`) and sent as
 *   `X-Session-Token` with every later request to the API's origins and to `/mfa`. A token the
 *   server refuses as expired (401 `mfa_required`) is forgotten. Requests challenged together
 *   share one prompt; a request challenged after another has proved just goes again.
 * - A wrong code prompts again, with the error in the context, up to `maxAttempts`; any other
 *   refusal of `/mfa` rejects with {@link MfaClientError} (`mfa_locked` and `rate_limited` with
 *   `retryAfter`: it never waits on its own), as does a cancelled prompt (`cancelled`) and a
 *   challenged request whose body cannot be sent again (`unreplayable_body`: a stream; a
 *   `FormData` is fine, encoded once and sent as those bytes when a digest is needed).
 * - A request is sent again at most once: if the retry is refused as well (an `acr_values` the
 *   proof did not meet, a grant refused with `mfa_grant_invalid`), that answer is returned.
 * - Requests to origins other than `origins` (default: the origin of `base`) go out untouched.
 *
 * Runs in browsers and Node.js 20+ on the standard `fetch`, `Headers`, `Response` and
 * `crypto.subtle`; it has no dependencies.
 *
 * @param options - `prompt` (required), `base`, `headers` (the primary credential for `/mfa`),
 *   `fetch`, `session`, `origins`, `startAuthentication`, `maxAttempts`; see {@link MfaFetchOptions}.
 * @returns A function used like `fetch`.
 * @throws {@link MfaClientError} `invalid_option` at once, for an unusable option (no `prompt`, a
 *   relative `base` in Node.js, ...).
 * @see RFC 9470 (OAuth 2.0 step-up authentication challenge); RFC 9530 (digest fields)
 * @example
 * import { createMfaFetch } from '@mfakit/client';
 *
 * const mfaFetch = createMfaFetch({
 *   headers: () => ({ Authorization: `Bearer ${accessToken}` }),
 *   prompt: async (challenge, { error }) => {
 *     const code = window.prompt(`${error ? 'Wrong code. ' : ''}${challenge.description ?? 'Your authenticator code'}`);
 *     return code === null ? null : { code };
 *   },
 * });
 * const res = await mfaFetch('/api/transfers', { method: 'POST', headers: { Authorization: `Bearer ${accessToken}`, 'Content-Type': 'application/json' }, body });
 */
export function createMfaFetch(options: MfaFetchOptions): MfaFetch {
  const settings = settingsOf(options);
  const { session } = settings;
  const routes = new MfaRoutes(settings.base, settings.fetch, settings.headers, session);
  /** Session proofs under way, by the `acr_values` they answer: requests challenged meanwhile wait for them. */
  const proving = new Map<string, Promise<void>>();

  /** Sends the call with the session held, and a grant or the body's bytes when given. */
  function send(call: Call, extra: { grant?: string; bytes?: BodyBytes | null } = {}): Promise<Response> {
    const token = session.get();
    const { input, init } = call;
    if (token === null && extra.grant === undefined && !extra.bytes) return settings.fetch(input, init);
    const headers = new Headers(init?.headers ?? (input instanceof Request ? input.headers : undefined));
    if (token !== null) headers.set(SESSION_TOKEN_HEADER, token);
    if (extra.grant !== undefined) headers.set(GRANT_HEADER, extra.grant);
    if (!extra.bytes) return settings.fetch(input, { ...init, headers });
    const { bytes, contentType } = extra.bytes;
    if (contentType !== null && !headers.has('Content-Type')) headers.set('Content-Type', contentType);
    return settings.fetch(input, { ...init, headers, body: bytes });
  }

  /** The second and last send: the clone of a `Request` whose body the first send consumed. */
  function resend(call: Call, extra: { grant?: string; bytes?: BodyBytes | null } = {}): Promise<Response> {
    const input = call.body.kind === 'request' && !extra.bytes ? call.body.request : call.input;
    return send({ ...call, input }, extra);
  }

  /** Answers a challenge with a session (or waits for the proof another request is making), then sends again. */
  async function withSession(call: Call, challenge: StepUpChallenge, sent: string | null): Promise<Response> {
    const held = session.get();
    if (held === null || held === sent) {
      const key = challenge.acrValues?.join(' ') ?? '';
      let proof = proving.get(key);
      if (!proof) {
        proof = prove(settings, routes, challenge, undefined)
          .then((sessionToken) => session.set(sessionToken))
          .finally(() => proving.delete(key));
        proving.set(key, proof);
      }
      await proof;
    }
    return resend(call);
  }

  /** Answers a `max_age=0` challenge with a grant made for this request and its exact body, then sends again. */
  async function withGrant(call: Call, challenge: StepUpChallenge): Promise<Response> {
    const bytes = await bodyBytes(call.body);
    const action: StepUpAction = { method: call.method, path: call.url.pathname + call.url.search };
    if (bytes) action.digest = await contentDigest(bytes.bytes);
    const grant = await prove(settings, routes, challenge, action);
    return resend(call, { grant, bytes });
  }

  return async function mfaFetch(input: string | URL | Request, init?: RequestInit): Promise<Response> {
    const url = parse(input instanceof Request ? input.url : input, pageLocation());
    if (!url || !settings.origins.has(url.origin)) return settings.fetch(input, init);
    const method = (init?.method ?? (input instanceof Request ? input.method : 'GET')).toUpperCase();
    const call: Call = { input, init, url, method, body: replayableBody(input, init) };
    const sent = session.get();
    const first = await send(call);
    const requirement = first.status === 401 ? stepUpOf(first) : null;
    if (!requirement) return first;

    const problem = await problemOf(first);
    if (sent !== null && problem?.code === 'mfa_required' && session.get() === sent) session.set(null);
    const challenge: StepUpChallenge = { ...requirement, once: requirement.maxAge === 0, request: { method, url: url.href }, ...(problem ? { problem } : {}) };
    if (call.body.kind === 'unreplayable') {
      throw refusal('unreplayable_body', `${method} ${url.pathname} needs a step-up, and cannot be sent again: ${call.body.reason}. Send the body as a string, bytes, a Blob or FormData.`, problem);
    }
    return challenge.once ? withGrant(call, challenge) : withSession(call, challenge, sent);
  };
}

/** The RFC 9470 challenge of a 401, or null when there is none or the header is unreadable. */
function stepUpOf(response: Response): StepUpRequirement | null {
  try {
    return stepUpRequirement(parseWwwAuthenticate(response.headers.get('WWW-Authenticate') ?? ''));
  } catch (err) {
    if (err instanceof ChallengeParseError) return null;
    throw err;
  }
}

/**
 * Prompts until an answer proves a factor, at most `maxAttempts` times: a wrong code (or a failed
 * passkey) prompts again with the error; any other failure, a cancel and the last wrong code
 * reject. Resolves to the new session token, or with `action` to the grant for it.
 */
async function prove(settings: Settings, routes: MfaRoutes, challenge: StepUpChallenge, action: StepUpAction | undefined): Promise<string> {
  const factors = await routes.factors();
  const sendCode = (factorId: string) => routes.sendCode(factorId);
  let error: MfaClientError | undefined;
  for (let attempt = 1; ; attempt++) {
    const context = { attempt, sendCode, ...(error ? { error } : {}), ...(factors ? { factors } : {}) };
    const answer = await settings.prompt(challenge, context);
    if (answer === null) throw refusal('cancelled', `the step-up for ${challenge.request.method} ${challenge.request.url} was cancelled`, challenge.problem);
    try {
      return await proveAnswer(settings, routes, answer, action);
    } catch (err) {
      if (!(err instanceof MfaClientError) || !RETRYABLE.has(err.code) || attempt >= settings.maxAttempts) throw err;
      error = err;
    }
  }
}

/** Proves one answer: a code at `/verify`, or a passkey through `startAuthentication` and `/webauthn/authentication`. */
async function proveAnswer(settings: Settings, routes: MfaRoutes, answer: PromptAnswer, action: StepUpAction | undefined): Promise<string> {
  if (answer !== null && typeof answer === 'object' && 'passkey' in answer && answer.passkey === true) {
    const { startAuthentication } = settings;
    if (!startAuthentication) throw new MfaClientError('passkey_unavailable', 'prompt answered { passkey: true }: pass startAuthentication of @simplewebauthn/browser to createMfaFetch');
    const optionsJSON = await routes.passkeyOptions();
    let response: unknown;
    try {
      response = await startAuthentication({ optionsJSON: optionsJSON as never });
    } catch (cause) {
      throw new MfaClientError('passkey_failed', 'the passkey ceremony failed (dismissed, or no passkey for this site)', { cause });
    }
    return routes.authenticatePasskey(response, action);
  }
  return routes.verify(codeProofOf(answer), action);
}

/** The body of `/verify` for a code answer; {@link MfaClientError} `invalid_answer` for anything else. */
function codeProofOf(answer: unknown): CodeProof {
  const { code, factorId, recoveryCode } = (answer ?? {}) as Record<string, unknown>;
  if (typeof recoveryCode === 'string' && code === undefined) return { recoveryCode };
  if (typeof code === 'string' && factorId === undefined) return { code };
  if (typeof code === 'string' && typeof factorId === 'string') return { code, factorId };
  throw new MfaClientError('invalid_answer', 'prompt must answer { code }, { code, factorId }, { recoveryCode }, { passkey: true } or null');
}

/** An error about the challenged request itself: its 401 status and problem. */
function refusal(code: 'cancelled' | 'unreplayable_body', message: string, problem: ProblemDetails | undefined): MfaClientError {
  const detail = typeof problem?.detail === 'string' ? problem.detail : undefined;
  return new MfaClientError(code, message, { status: 401, ...(problem ? { problem } : {}), ...(detail ? { detail } : {}) });
}
