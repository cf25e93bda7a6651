// What a simulated user knows of its own state, and the answers that state allows. Every rule is
// mfakit's documented behaviour with the demo's settings (mfakit's defaults); where the answer
// depends on exactly when the server judged a request (a lock running out, a proof getting
// stale), the model allows both answers only if the request's own span straddles that moment.

/** The answers a request may get, as `<status>` or `<status> <problem code>`, and why. */
export interface Allowed {
  answers: string[];
  because: string;
}

/** An answer as `Allowed` names it. */
export const answerKey = (status: number, code: string | undefined) => (code ? `${status} ${code}` : String(status));

/** When a request left and when its answer came back (ms since the epoch). */
export interface Span {
  sentAt: number;
  receivedAt: number;
}

/** mfakit's default `throttle.maxFailures`: the third failed proof in a row locks the account. */
export const MAX_FAILURES = 3;
/** mfakit's default `throttle.backoff`: the first lock lasts 30 s, the next ones longer; a success starts again from the first. */
export const BACKOFF_MS = [30_000, 60_000, 120_000, 300_000];
/** mfakit's default `freshProofMaxAge`: new recovery codes need a proof this recent. */
export const FRESH_PROOF_MAX_AGE_MS = 300_000;
/** The lock key is written before the answer leaves; it is gone by then plus its lifetime. Allowance for Redis's expiry. */
const EXPIRY_MARGIN_MS = 250;

export const LOCKED = answerKey(429, 'mfa_locked');
export const INVALID_CODE = answerKey(401, 'mfa_invalid_code');

/**
 * The account throttle as one user sees it: failed proofs since the last success or lock, locks
 * since the last success (each one longer), and the request that set the current lock. The
 * user sends one request at a time, so it knows every attempt on its account. Its failures never
 * linger past mfakit's 5-minute window: every wrong code is followed by a right proof within a
 * lock's length.
 */
export class ThrottleModel {
  failures = 0;
  private level = 0;
  private lock: (Span & { ms: number }) | null = null;

  /** Whether the account was locked while the server judged a request sent and answered then. */
  state(span: Span): 'locked' | 'free' | 'unsure' {
    if (!this.lock) return 'free';
    if (span.receivedAt < this.lock.sentAt + this.lock.ms) return 'locked';
    if (span.sentAt > this.lock.receivedAt + this.lock.ms + EXPIRY_MARGIN_MS) return 'free';
    return 'unsure';
  }

  /** When the current lock has surely ended (ms since the epoch); 0 without a lock. */
  get lockedUntil(): number {
    return this.lock ? this.lock.receivedAt + this.lock.ms + EXPIRY_MARGIN_MS : 0;
  }

  /**
   * The answers to a proof (a code, a recovery code, a grant's proof) that is right (`valid`
   * true), wrong (false) or right only if judged early or late enough (null): while locked, 429
   * `mfa_locked` even for a right one; else 200 for a right one, and for a wrong one 401
   * `mfa_invalid_code`, or 429 `mfa_locked` for the failure that reaches the limit.
   */
  proofAnswers(valid: boolean | null, span: Span): Allowed {
    const state = this.state(span);
    if (state === 'locked') return { answers: [LOCKED], because: 'the account is locked' };
    const wrong = this.failures + 1 >= MAX_FAILURES ? LOCKED : INVALID_CODE;
    const answers = valid === true ? ['200'] : valid === false ? [wrong] : ['200', wrong];
    if (state === 'unsure') answers.push(LOCKED);
    const because = `${valid === true ? 'a right proof' : valid === false ? 'a wrong proof' : 'a proof right only if judged in time'}, ${this.failures} failures before it${state === 'unsure' ? ', the lock ending meanwhile' : ''}`;
    return { answers: [...new Set(answers)], because };
  }

  /** Takes in the answer to a proof, one of those `proofAnswers` allowed. */
  answered(answer: string, span: Span): void {
    if (answer === '200') {
      this.failures = 0;
      this.level = 0;
      this.lock = null;
    } else if (answer === INVALID_CODE) {
      this.failures += 1;
    } else if (answer === LOCKED && this.state(span) !== 'locked' && this.failures + 1 >= MAX_FAILURES) {
      this.level += 1;
      this.lock = { ...span, ms: BACKOFF_MS[Math.min(this.level, BACKOFF_MS.length) - 1]! };
      this.failures = 0;
    }
  }
}

/** A live MFA session as the user holds it: its token, and the span of the proof that opened it (the server's `authTime` lies in it). */
export interface HeldSession extends Span {
  token: string;
}

/**
 * Whether a route with `maxAge` takes the session when sent now: 'fresh' if its proof is surely
 * younger than `maxAgeMs` for a second yet, 'stale' if surely older by a second, 'between' for the
 * two seconds in which a request could go either way (the user does something else meanwhile).
 */
export function freshness(session: HeldSession, maxAgeMs: number, now: number): 'fresh' | 'stale' | 'between' {
  if (now - session.sentAt < maxAgeMs - 1000) return 'fresh';
  if (now - session.receivedAt > maxAgeMs + 1000) return 'stale';
  return 'between';
}

/**
 * The answers to a step-up route (`maxAge`) with a session judged 'fresh' when sent: 201, or also
 * 401 `mfa_stale` when the answer came so late that the proof may have aged past `maxAgeMs`.
 */
export function freshAnswers(session: HeldSession, maxAgeMs: number, answer: Span): Allowed {
  const surely = answer.receivedAt - session.sentAt <= maxAgeMs;
  return {
    answers: surely ? ['201'] : ['201', answerKey(401, 'mfa_stale')],
    because: `a session proved ${Math.round((answer.sentAt - session.sentAt) / 1000)} s before, max age ${maxAgeMs / 1000} s`,
  };
}

/**
 * Times of recent events, to keep a user under a limit it must never reach: the per-address
 * limits of the demos (counted per instance and per address) and of mfakit (failures per address).
 */
export class RecentEvents {
  private readonly times: number[] = [];

  constructor(
    private readonly windowMs: number,
    private readonly max: number,
  ) {}

  /** Whether `count` more events now stay within the budget. */
  allows(now: number, count = 1): boolean {
    while (this.times.length && this.times[0]! <= now - this.windowMs) this.times.shift();
    return this.times.length + count <= this.max;
  }

  add(now: number): void {
    this.times.push(now);
  }
}
