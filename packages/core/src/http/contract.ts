import { contextOf, type Mfa } from '../createMfa';
import { describe } from '../lib/describe';
import { SIGN_IN_FIRST, UNAVAILABLE } from '../problem';
import { type MfaRequest, userIdOf } from '../request';
import { ACTION_HELP, actionOf } from '../session/grants';
import { type HttpResult, NO_STORE, present, problemResponse } from './problems';

/** A request to a route of the contract, as an adapter hands it over: parsed, plain data. */
export interface RouteInput extends MfaRequest {
  /** The route's path parameters, decoded (`factorId`, `userId`). */
  params: Record<string, string | undefined>;
  /** The parsed JSON body, or undefined when there was none. */
  body: unknown;
}

/** The names of the enrollment and verification routes, as in {@link CONTRACT_ROUTES}. */
export type RouteName =
  | 'status'
  | 'enrollTotp'
  | 'enrollHotp'
  | 'confirmTotp'
  | 'confirmHotp'
  | 'verify'
  | 'enrollEmail'
  | 'confirmEmail'
  | 'enrollSms'
  | 'confirmSms'
  | 'challenge'
  | 'webauthnRegistrationOptions'
  | 'webauthnRegistration'
  | 'webauthnAuthenticationOptions'
  | 'webauthnAuthentication'
  | 'regenerateRecoveryCodes'
  | 'removeFactor'
  | 'endSession';

/** One route of the HTTP contract: what an adapter mounts, and the handler to call. */
export interface ContractRoute {
  /** The route's name, to pass to {@link handleRoute}. */
  name: RouteName;
  /** The HTTP method. */
  method: 'GET' | 'POST' | 'DELETE';
  /** Relative to the router's mount point, with `:param` segments. */
  path: string;
  /** Routes that check proofs or store challenges: adapters put a per-address limit of failed requests in front of them. */
  verification: boolean;
}

/**
 * The enrollment and verification routes of the HTTP contract, for adapters to mount as is
 * (`/mfa` in the demos): status, TOTP and HOTP enrollment, codes by email or SMS, verification,
 * WebAuthn registration and authentication, recovery codes, factor removal, ending the session.
 * @see the README's "The HTTP contract"
 */
export const CONTRACT_ROUTES: readonly ContractRoute[] = [
  { name: 'status', method: 'GET', path: '/', verification: false },
  { name: 'enrollTotp', method: 'POST', path: '/totp', verification: false },
  { name: 'confirmTotp', method: 'POST', path: '/totp/:factorId/confirm', verification: true },
  { name: 'enrollHotp', method: 'POST', path: '/hotp', verification: false },
  { name: 'confirmHotp', method: 'POST', path: '/hotp/:factorId/confirm', verification: true },
  { name: 'verify', method: 'POST', path: '/verify', verification: true },
  { name: 'enrollEmail', method: 'POST', path: '/email', verification: true },
  { name: 'confirmEmail', method: 'POST', path: '/email/:factorId/confirm', verification: true },
  { name: 'enrollSms', method: 'POST', path: '/sms', verification: true },
  { name: 'confirmSms', method: 'POST', path: '/sms/:factorId/confirm', verification: true },
  { name: 'challenge', method: 'POST', path: '/challenge', verification: true },
  { name: 'webauthnRegistrationOptions', method: 'POST', path: '/webauthn/registration/options', verification: true },
  { name: 'webauthnRegistration', method: 'POST', path: '/webauthn/registration', verification: false },
  { name: 'webauthnAuthenticationOptions', method: 'POST', path: '/webauthn/authentication/options', verification: true },
  { name: 'webauthnAuthentication', method: 'POST', path: '/webauthn/authentication', verification: true },
  { name: 'regenerateRecoveryCodes', method: 'POST', path: '/recovery-codes', verification: false },
  { name: 'removeFactor', method: 'DELETE', path: '/factors/:factorId', verification: false },
  { name: 'endSession', method: 'DELETE', path: '/session', verification: false },
];

const MAX_CODE_LENGTH = 64;
const MAX_LABEL_LENGTH = 64;

type Handler = (mfa: Mfa, input: RouteInput & { user: { id: string } }) => Promise<HttpResult>;

const enroll =
  (kind: 'totp' | 'hotp'): Handler =>
  async (mfa, input) => {
    const body = input.body === undefined ? {} : objectBody(input.body);
    const label = body?.label === undefined ? undefined : text(body.label, MAX_LABEL_LENGTH);
    if (!body || label === null) return invalid(`Send nothing, or {"label": "<up to ${MAX_LABEL_LENGTH} characters>"} as JSON.`);
    return present(await mfa.startEnrollment(input, kind, label), 201);
  };

/** Where the code of each kind of factor comes from, for the error of a malformed confirmation. */
const CODE_SOURCES = { totp: 'the code the app shows', hotp: 'the code the app shows', email: 'the code sent by email', sms: 'the code sent by SMS' } as const;

const confirm =
  (kind: keyof typeof CODE_SOURCES): Handler =>
  async (mfa, input) => {
    const body = objectBody(input.body);
    const code = body && text(body.code, MAX_CODE_LENGTH);
    const factorId = factorIdOf(input.params.factorId);
    if (!code || !factorId) return invalid(`Send {"code": "<${CODE_SOURCES[kind]}>"} as JSON.`);
    const confirmed = kind === 'email' || kind === 'sms' ? mfa.confirmOobEnrollment(input, kind, factorId, code) : mfa.confirmEnrollment(input, kind, factorId, code);
    return present(await confirmed, 200);
  };

const enrollOob =
  (channel: 'email' | 'sms'): Handler =>
  async (mfa, input) => {
    const field = channel === 'email' ? 'email' : 'phone';
    const body = objectBody(input.body);
    const label = body?.label === undefined ? undefined : text(body.label, MAX_LABEL_LENGTH);
    if (!body || label === null || typeof body[field] !== 'string') return invalid(`Send {"${field}": "...", "label": "<optional>"} as JSON.`);
    return present(await mfa.startOobEnrollment(input, channel, body[field], label), 201);
  };

const handlers: Record<RouteName, Handler> = {
  status: async (mfa, input) => json(200, await mfa.status(input)),

  enrollTotp: enroll('totp'),
  confirmTotp: confirm('totp'),
  enrollHotp: enroll('hotp'),
  confirmHotp: confirm('hotp'),
  verify: async (mfa, input) => {
    const body = objectBody(input.body);
    const code = body && text(body.code, MAX_CODE_LENGTH);
    const recoveryCode = body && text(body.recoveryCode, MAX_CODE_LENGTH);
    const factorId = body?.factorId === undefined ? undefined : factorIdOf(body.factorId);
    const action = body?.action === undefined ? undefined : actionOf(body.action);
    const fields = body ? Object.keys(body).length : 0;
    const expected = 1 + (factorId ? 1 : 0) + (action ? 1 : 0);
    if (!body || factorId === null || action === null || (code ? 1 : 0) + (recoveryCode ? 1 : 0) !== 1 || fields !== expected || (factorId && !code)) {
      return invalid(`Send exactly one of {"code": "..."} (with "factorId" for a code sent by email or SMS) or {"recoveryCode": "..."} as JSON, and for a step-up grant ${ACTION_HELP}.`);
    }
    const proof = code ? { code, ...(factorId ? { factorId } : {}) } : { recoveryCode: recoveryCode! };
    return present(await (action ? mfa.grant(input, proof, action) : mfa.verify(input, proof)), 200);
  },

  challenge: async (mfa, input) => {
    const body = objectBody(input.body);
    const factorId = body && factorIdOf(body.factorId);
    if (!factorId) return invalid('Send {"factorId": "<an email or SMS factor of yours>"} as JSON.');
    return present(await mfa.sendChallenge(input, factorId), 202);
  },
  enrollEmail: enrollOob('email'),
  confirmEmail: confirm('email'),
  enrollSms: enrollOob('sms'),
  confirmSms: confirm('sms'),

  webauthnRegistrationOptions: async (mfa, input) => present(await mfa.webauthnRegistrationOptions(input), 200),

  webauthnRegistration: async (mfa, input) => {
    const body = objectBody(input.body);
    const label = body?.label === undefined ? undefined : text(body.label, MAX_LABEL_LENGTH);
    if (!body || label === null) return invalid(`Send {"response": <from startRegistration()>, "label": "<up to ${MAX_LABEL_LENGTH} characters, optional>"}.`);
    return present(await mfa.registerWebAuthn(input, body.response, label), 201);
  },

  webauthnAuthenticationOptions: async (mfa, input) => present(await mfa.webauthnAuthenticationOptions(input), 200),

  webauthnAuthentication: async (mfa, input) => {
    const body = objectBody(input.body);
    const action = body?.action === undefined ? undefined : actionOf(body.action);
    if (!body || action === null) return invalid(`Send {"response": <from startAuthentication()>}, and for a step-up grant ${ACTION_HELP}.`);
    return present(await (action ? mfa.grantWebAuthn(input, body.response, action) : mfa.authenticateWebAuthn(input, body.response)), 200);
  },

  regenerateRecoveryCodes: async (mfa, input) => present(await mfa.regenerateRecoveryCodes(input), 200),

  removeFactor: async (mfa, input) => {
    const factorId = factorIdOf(input.params.factorId);
    if (!factorId) return invalid('The factor id is malformed.');
    return present(await mfa.removeFactor(input, factorId), 204);
  },

  endSession: async (mfa, input) => {
    await mfa.endSession(input);
    return { status: 204, headers: { ...NO_STORE } };
  },
};

/**
 * Answers one route of the contract. Never throws: bad input is a 400, a failing store a 503
 * (fail closed), and the cause of an unexpected failure goes to the logger, not to the client.
 * Every answer carries `Cache-Control: no-store`.
 *
 * @param mfa - The core.
 * @param name - The route, from {@link CONTRACT_ROUTES}.
 * @param input - The request: user, session token, path `params` and the parsed JSON `body`.
 * @returns The HTTP answer to write out unchanged; errors as RFC 9457 problem details.
 * @example
 * for (const route of CONTRACT_ROUTES) {
 *   router[route.method.toLowerCase()](route.path, async (req, res) => {
 *     const input = { ...mfaRequestOf(mfaUserOf(req.user), req.headers, req.ip, req.method), params: req.params, body: req.body };
 *     const result = await handleRoute(mfa, route.name, input);
 *     res.status(result.status).set(result.headers).json(result.body);
 *   });
 * }
 */
export async function handleRoute(mfa: Mfa, name: RouteName, input: RouteInput): Promise<HttpResult> {
  const id = userIdOf(input.user);
  if (!id) return problemResponse(SIGN_IN_FIRST);
  try {
    return await handlers[name](mfa, { ...input, user: { ...input.user, id } });
  } catch (err) {
    contextOf(mfa).logger.error(`${name} failed: ${describe(err)}`);
    return problemResponse(UNAVAILABLE);
  }
}

function json(status: number, body: unknown): HttpResult {
  return { status, headers: { ...NO_STORE }, body };
}

function invalid(detail: string): HttpResult {
  return problemResponse({ code: 'invalid_request', detail });
}

function objectBody(body: unknown): Record<string, unknown> | null {
  return body !== null && typeof body === 'object' && !Array.isArray(body) ? (body as Record<string, unknown>) : null;
}

/** A factor id as mfakit makes them (`fac_` and base64url), or null: no framework's URL decoding matters. */
function factorIdOf(value: unknown): string | null {
  return typeof value === 'string' && /^[A-Za-z0-9_-]{1,64}$/.test(value) ? value : null;
}

/** A non-empty string of at most `max` characters, or null. */
function text(value: unknown, max: number): string | null {
  return typeof value === 'string' && value.trim() !== '' && value.length <= max ? value.trim() : null;
}
