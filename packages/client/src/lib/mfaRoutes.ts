import { MfaClientError } from '../errors';
import type { CodeSent, FactorSummary, HeadersSource, MfaFetch, SessionStore } from '../options';
import { errorOf } from './problem';

/** The request a step-up grant is asked for: method, target (path and query) and, with a body, its digest. */
export interface StepUpAction {
  method: string;
  path: string;
  digest?: string;
}

/** A code, with the factor it was sent for (email, SMS), or a recovery code: the body of `POST /verify`. */
export type CodeProof = { code: string; factorId?: string } | { recoveryCode: string };

/** The session header of the HTTP contract, on API requests and `/mfa` calls alike. */
export const SESSION_TOKEN_HEADER = 'X-Session-Token';

/**
 * The `/mfa` routes of the HTTP contract that a step-up uses, called with the `headers` option
 * (the primary credential) and the session token held. Every refusal rejects with an
 * {@link MfaClientError} carrying the problem.
 */
export class MfaRoutes {
  constructor(
    private readonly base: string,
    private readonly fetch: MfaFetch,
    private readonly headers: HeadersSource | undefined,
    private readonly session: SessionStore,
  ) {}

  /** `GET /`: the user's factors, or undefined when the server would not say. */
  async factors(): Promise<FactorSummary[] | undefined> {
    const response = await this.call('GET', '/');
    if (!response.ok) {
      await response.body?.cancel();
      return undefined;
    }
    const status = (await response.json().catch(() => undefined)) as { factors?: unknown } | undefined;
    return Array.isArray(status?.factors) ? (status.factors as FactorSummary[]) : undefined;
  }

  /** `POST /challenge`: sends a code by email or SMS (202). */
  async sendCode(factorId: string): Promise<CodeSent> {
    return (await this.json('POST', '/challenge', { factorId })) as unknown as CodeSent;
  }

  /** `POST /verify`: the token of a new session, or with `action` a grant for that one request. */
  async verify(proof: CodeProof, action: StepUpAction | undefined): Promise<string> {
    return tokenOf(await this.json('POST', '/verify', action ? { ...proof, action } : proof), action);
  }

  /** `POST /webauthn/authentication/options`: the `PublicKeyCredentialRequestOptionsJSON` to sign. */
  passkeyOptions(): Promise<unknown> {
    return this.json('POST', '/webauthn/authentication/options', {});
  }

  /** `POST /webauthn/authentication`: the signed assertion, answered as `verify` answers. */
  async authenticatePasskey(response: unknown, action: StepUpAction | undefined): Promise<string> {
    return tokenOf(await this.json('POST', '/webauthn/authentication', action ? { response, action } : { response }), action);
  }

  /** A call whose success is a JSON object; anything else rejects. */
  private async json(method: string, path: string, body: unknown): Promise<Record<string, unknown>> {
    const response = await this.call(method, path, body);
    const route = `${method} ${this.base}${path}`;
    if (!response.ok) throw await errorOf(response, route);
    const value: unknown = await response.json().catch(() => undefined);
    if (value === null || typeof value !== 'object' || Array.isArray(value)) {
      throw new MfaClientError('unexpected_response', `${route} answered ${response.status} without a JSON object`, { status: response.status });
    }
    return value as Record<string, unknown>;
  }

  private async call(method: string, path: string, body?: unknown): Promise<Response> {
    const headers = new Headers(typeof this.headers === 'function' ? await this.headers() : this.headers);
    headers.set('Accept', 'application/json');
    const token = this.session.get();
    if (token !== null) headers.set(SESSION_TOKEN_HEADER, token);
    if (body === undefined) return this.fetch(this.base + path, { method, headers });
    headers.set('Content-Type', 'application/json');
    return this.fetch(this.base + path, { method, headers, body: JSON.stringify(body) });
  }
}

/** The token of a successful verification: the grant when an action was named, the session token otherwise. */
function tokenOf(answer: Record<string, unknown>, action: StepUpAction | undefined): string {
  const token = action ? answer.grant : answer.sessionToken;
  if (typeof token === 'string' && token !== '') return token;
  const wanted = action ? 'grant' : 'sessionToken';
  throw new MfaClientError('unexpected_response', `the verification answered without a ${wanted}: does the server support ${action ? 'step-up grants' : 'sessions'}?`, { status: 200 });
}
