import { createHash } from 'node:crypto';
import { RECOVERY_CODE_COUNT } from '@mfakit/core';
import type { Answer, Call, Target, UserClient } from './client';
import { loadUserPassword } from './loadUsers';
import { type Allowed, answerKey, FRESH_PROOF_MAX_AGE_MS, freshAnswers, freshness, type HeldSession, INVALID_CODE, LOCKED, RecentEvents, ThrottleModel } from './model';
import type { LoadStats } from './stats';
import { codeAt, stepValid, usableStep, wrongCodeAt } from './totp';

/**
 * How often a user picks each action when it may (relative weights): a protected call most of
 * the time, transfers, a new proof now and then (much more often without a session), payees,
 * recovery codes, and rarely a typo or a lockout.
 */
export const DEFAULT_MIX = {
  profile: 50,
  transfer: 12,
  status: 4,
  /** A new proof with a code, rotating a live session. */
  verify: 4,
  /** A new proof with a code, without a session. */
  verifyWithoutSession: 40,
  payee: 4,
  payeeWithoutGrant: 2,
  endSession: 1,
  oldSession: 2,
  login: 1,
  /** A proof with a recovery code (one scrypt hash; regenerated, ten more, when few are left). */
  recovery: 0.2,
  /** One wrong code or used recovery code, then a right proof. */
  typo: 1,
  /** Three wrong proofs (locked), a right code while locked, a right proof once the lock is over. */
  lockout: 0.3,
};

/** Relative weights of the actions; see {@link DEFAULT_MIX}. */
export type Mix = typeof DEFAULT_MIX;

/** What every simulated user of a run shares. */
export interface Scenario {
  mix: Mix;
  /** The instances; each request goes to one of them at random, as behind a load balancer. */
  targets: Target[];
  stats: LoadStats;
  /** The demos' MFA_FRESH_MAX_AGE in ms: the step-up window of `POST /api/transfers`. */
  freshMaxAgeMs: number;
  random: () => number;
}

// The user keeps well under the limits it must never reach, whichever way they count: the
// adapters' per-address limit on the proof routes (until recently 30 requests a minute, now 100
// failures in 15 minutes, per instance) and mfakit's (100 failures per address in 15 minutes).
const VERIFICATIONS_PER_MINUTE = 20;
const FAILURES_PER_15_MINUTES = 40;
const OLD_SESSIONS_KEPT = 3;
const SPENT_CODES_KEPT = 20;
/** New recovery codes once this few are left. */
const REGENERATE_AT = 3;

type Action = () => Promise<void>;
/** A proof: a code the app shows, an unused recovery code, a wrong code, or a recovery code used or voided before. */
type Proof = 'code' | 'recovery' | 'wrong' | 'spent';

const only = (answer: string, because: string): Allowed => ({ answers: [answer], because });
const codeOf = (answer: Answer) => (typeof answer.body.code === 'string' ? answer.body.code : undefined);
const digestOf = (body: string) => `sha-256=:${createHash('sha256').update(body).digest('base64')}:`;

/**
 * One simulated person: signs in, enrolls an authenticator app, proves it, calls a protected route,
 * makes transfers (step-up within MFA_FRESH_MAX_AGE) and adds payees (a grant for that very
 * request and body), mistypes codes, gets locked out, uses and renews recovery codes, signs out
 * of MFA. It keeps a model of its own state (enrolled? which session? when was the last proof?
 * how many failures, locked until when? which codes used?) and checks every answer against the
 * answers that state allows (see model.ts). A wrong decision stops the user: its model can no
 * longer be trusted.
 */
export class SimulatedUser {
  /** Set by a wrong decision, a 5xx or a network error. */
  stopped = false;
  private token: string | null = null;
  private factor: { secret: string; lastStep: number } | null = null;
  private session: HeldSession | null = null;
  private readonly oldSessions: string[] = [];
  private recovery: string[] = [];
  private readonly spentRecovery: string[] = [];
  private readonly throttle = new ThrottleModel();
  private readonly verifications = new RecentEvents(60_000, VERIFICATIONS_PER_MINUTE);
  private readonly failures = new RecentEvents(15 * 60_000, FAILURES_PER_15_MINUTES);
  /** Wrong codes of an episode, sent before anything else that proves. */
  private readonly planned: Proof[] = [];
  /** After a lockout: prove as soon as the lock is over ('any': a recovery code will do). After a typo or a stale step-up: with the next code. */
  private needsProof: 'any' | 'code' | null = null;
  private retryTransfer = false;
  private toldToEnroll = false;
  private payees = 0;

  constructor(
    readonly id: string,
    private readonly client: UserClient,
    private readonly scenario: Scenario,
  ) {}

  /** Signs in and enrolls, as a user who set MFA up before the run. */
  async setUp(): Promise<void> {
    this.toldToEnroll = true;
    await this.login();
    if (!this.stopped) await this.enroll();
  }

  /** Acts until `until` (ms since the epoch), pausing `think()` ms between actions. */
  async run(until: number, think: () => number): Promise<void> {
    while (!this.stopped && Date.now() < until) {
      await this.next(Date.now())();
      await new Promise((resolve) => setTimeout(resolve, think()));
    }
  }

  /** Closes the user's connections. */
  close(): void {
    this.client.close();
  }

  /** What the user does next, by its state and by chance. */
  private next(now: number): Action {
    const random = this.scenario.random;
    if (!this.token) return () => this.login();
    if (!this.factor) {
      // Not enrolled yet: the protected route says so first, then the user enrolls (or tries a transfer, also refused).
      if (!this.toldToEnroll) {
        this.toldToEnroll = true;
        return () => this.profile();
      }
      return this.pick([
        [3, () => this.enroll()],
        [1, () => this.transfer()],
      ]);
    }
    const lock = this.throttle.state({ sentAt: now, receivedAt: now });
    const step = usableStep(this.factor.lastStep, now);
    const mayVerify = this.verifications.allows(now);
    if (this.planned.length && lock !== 'unsure' && mayVerify && this.failures.allows(now)) {
      const proof = this.planned.shift()!;
      return () => this.prove(proof).then(() => undefined);
    }
    const canProve = this.planned.length === 0 && lock === 'free' && mayVerify;
    if (canProve && this.needsProof && (step !== null || (this.needsProof === 'any' && this.recovery.length))) {
      return () => this.proveAgain(step !== null ? 'code' : 'recovery');
    }
    const mix = this.scenario.mix;
    const options: [number, Action][] = [
      [mix.profile, () => this.profile()],
      [mix.status, () => this.status()],
      [mix.login, () => this.login()],
      [mix.payeeWithoutGrant, () => this.payeeWithoutGrant()],
    ];
    if (!this.session || freshness(this.session, this.scenario.freshMaxAgeMs, now) !== 'between') options.push([mix.transfer, () => this.transfer()]);
    if (this.session) options.push([mix.endSession, () => this.endSession()]);
    if (this.oldSessions.length) options.push([mix.oldSession, () => this.oldSession()]);
    if (canProve && step !== null) options.push([this.session ? mix.verify : mix.verifyWithoutSession, () => this.proveAgain('code')], [mix.payee, () => this.addPayee()]);
    if (canProve && this.recovery.length) options.push([mix.recovery, () => this.proveAgain('recovery')]);
    if (canProve && !this.needsProof && this.throttle.failures === 0 && this.failures.allows(now, 4) && this.verifications.allows(now, 5)) {
      options.push([mix.typo, () => this.startEpisode([random() < 0.5 || !this.spentRecovery.length ? 'wrong' : 'spent'])]);
      options.push([mix.lockout, () => this.startEpisode(['wrong', this.spentRecovery.length ? 'spent' : 'wrong', 'wrong', 'code'])]);
    }
    return this.pick(options);
  }

  private pick(options: [number, Action][]): Action {
    let roll = this.scenario.random() * options.reduce((sum, [weight]) => sum + weight, 0);
    for (const [weight, action] of options) {
      roll -= weight;
      if (roll < 0) return action;
    }
    return options[options.length - 1]![1];
  }

  /** Wrong proofs, one per turn: a typo (then the next code), or enough to be locked out (then a right code while locked, then a right proof once the lock is over). */
  private async startEpisode(proofs: Proof[]): Promise<void> {
    this.planned.push(...proofs);
    this.needsProof = proofs.length > 1 ? 'any' : 'code';
    await this.prove(this.planned.shift()!);
  }

  /** Proves with a code or a recovery code; with a session, it is rotated. Then a transfer, if a stale one was refused; new codes, if few are left. */
  private async proveAgain(proof: 'code' | 'recovery'): Promise<void> {
    const answer = await this.prove(proof);
    if (answer?.status !== 200) return;
    if (this.retryTransfer) {
      this.retryTransfer = false;
      await this.transfer();
    } else if (this.recovery.length <= REGENERATE_AT) await this.regenerateRecoveryCodes();
  }

  private async login(): Promise<void> {
    const body = JSON.stringify({ username: this.id, password: loadUserPassword(this.id) });
    const answer = await this.call('login', { method: 'POST', path: '/auth/login', token: undefined, body }, () => only('200', 'the right password'));
    if (answer) this.token = answer.body.accessToken as string;
  }

  /** Starts enrolling an authenticator app and confirms it with the code it shows: a session and ten recovery codes. */
  private async enroll(): Promise<void> {
    const started = await this.call('enroll', { method: 'POST', path: '/mfa/totp' }, () => only('201', 'a signed-in user without a factor'));
    if (!started) return;
    const { factorId, secret } = started.body as { factorId: string; secret: string };
    const step = usableStep(Number.NEGATIVE_INFINITY, Date.now())!;
    this.verifications.add(Date.now());
    const body = JSON.stringify({ code: codeAt(secret, step) });
    const confirmed = await this.call('confirm', { method: 'POST', path: `/mfa/totp/${factorId}/confirm`, body }, (span) =>
      this.throttle.proofAnswers(stepValid(step, span.sentAt, span.receivedAt), span),
    );
    if (!confirmed) return;
    this.throttle.answered(answerKey(confirmed.status, codeOf(confirmed)), confirmed);
    if (confirmed.status !== 200) return;
    const { session, recoveryCodes } = confirmed.body as { session: { sessionToken: string }; recoveryCodes: string[] };
    if (recoveryCodes?.length !== RECOVERY_CODE_COUNT) return this.wrong('confirm', confirmed, `${RECOVERY_CODE_COUNT} recovery codes`, `${recoveryCodes?.length}`);
    this.factor = { secret, lastStep: step };
    this.session = { token: session.sessionToken, sentAt: confirmed.sentAt, receivedAt: confirmed.receivedAt };
    this.recovery = [...recoveryCodes];
  }

  /** `GET /api/profile`: 200 with a live session, else 401 `mfa_required` (403 before enrolling). */
  private async profile(): Promise<void> {
    const session = this.session;
    const answer = await this.call('profile', { method: 'GET', path: '/api/profile', session: session?.token }, () =>
      !this.factor ? only('403 mfa_enrollment_required', 'no factor yet') : session ? only('200', 'a live session') : only('401 mfa_required', 'no session'),
    );
    const user = answer?.status === 200 ? (answer.body.user as { id?: string } | undefined) : undefined;
    if (answer && user && user.id !== this.id) this.wrong('profile', answer, `the user ${this.id}`, `the user ${user.id}`);
  }

  /** `GET /api/profile` with a session that was rotated or ended: 401 `mfa_required`. */
  private async oldSession(): Promise<void> {
    const token = this.oldSessions[Math.floor(this.scenario.random() * this.oldSessions.length)];
    await this.call('old-session', { method: 'GET', path: '/api/profile', session: token }, () => only('401 mfa_required', 'a session rotated or ended'));
  }

  /** `GET /mfa`: enrolled, the recovery codes left, and whether the session is live, as the user knows them. */
  private async status(): Promise<void> {
    const session = this.session;
    const answer = await this.call('status', { method: 'GET', path: '/mfa', session: session?.token }, () => only('200', 'a signed-in user'));
    if (!answer) return;
    const body = answer.body as { enrolled?: boolean; recoveryCodesRemaining?: number; session?: unknown };
    const expected = `enrolled ${!!this.factor}, ${this.factor ? this.recovery.length : 0} recovery codes, session ${session ? 'live' : 'none'}`;
    const got = `enrolled ${body.enrolled}, ${body.recoveryCodesRemaining} recovery codes, session ${body.session ? 'live' : 'none'}`;
    if (got !== expected) this.wrong('status', answer, expected, got);
  }

  /** `POST /api/transfers` (step-up with maxAge): 201 with a fresh session, 401 `mfa_stale` with an old one (then the user proves and tries again). */
  private async transfer(): Promise<void> {
    const session = this.session;
    const maxAge = this.scenario.freshMaxAgeMs;
    const zone = session && freshness(session, maxAge, Date.now());
    const body = JSON.stringify({ amount: 12.5, to: 'bob' });
    const answer = await this.call('transfer', { method: 'POST', path: '/api/transfers', session: session?.token, body }, (span) => {
      if (!this.factor) return only('403 mfa_enrollment_required', 'no factor yet');
      if (!session) return only('401 mfa_required', 'no session');
      if (zone === 'fresh') return freshAnswers(session, maxAge, span);
      if (zone === 'stale') return only('401 mfa_stale', `a session proved over ${maxAge / 1000} s before`);
      return { answers: ['201', '401 mfa_stale'], because: `a session proved about ${maxAge / 1000} s before` };
    });
    if (answer?.status === 401 && this.factor) {
      this.needsProof ??= 'code';
      this.retryTransfer = true;
    }
  }

  /**
   * `POST /api/payees`, which wants a proof for that request and body: a grant (`POST /mfa/verify`
   * with the action), then the payee with it (201). Sometimes the grant is tried on another body
   * first (401 `mfa_grant_invalid`, and it is spent), and sometimes replayed (401 again).
   */
  private async addPayee(): Promise<void> {
    const random = this.scenario.random;
    const payee = JSON.stringify({ name: `payee ${++this.payees}`, account: 'DE89 3704 0044 0532 0130 00' });
    const granted = await this.prove('code', digestOf(payee));
    if (granted?.status !== 200) return;
    const grant = granted.body.grant as string;
    const request = { method: 'POST', path: '/api/payees', grant } as const;
    const tampered = random() < 0.15;
    if (tampered) {
      const other = JSON.stringify({ name: `payee ${this.payees}`, account: 'GB33 BUKB 2020 1555 5555 55' });
      await this.call('payee-tampered', { ...request, body: other }, () => only('401 mfa_grant_invalid', 'a grant made for another body'));
    } else await this.call('payee', { ...request, body: payee }, () => only('201', 'a grant made for this request'));
    if (!this.stopped && (tampered || random() < 0.3)) await this.call('payee-replayed', { ...request, body: payee }, () => only('401 mfa_grant_invalid', 'a grant spent already'));
  }

  /** `POST /api/payees` with no grant: a session never stands in for one. */
  private async payeeWithoutGrant(): Promise<void> {
    const session = this.session;
    const body = JSON.stringify({ name: 'no grant', account: 'DE89 3704 0044 0532 0130 00' });
    await this.call('payee-no-grant', { method: 'POST', path: '/api/payees', session: session?.token, body }, () =>
      session ? only('401 mfa_stale', 'a session but no grant') : only('401 mfa_required', 'neither session nor grant'),
    );
  }

  /** `DELETE /mfa/session`: 204; the token then opens nothing. */
  private async endSession(): Promise<void> {
    const session = this.session!;
    const answer = await this.call('end-session', { method: 'DELETE', path: '/mfa/session', session: session.token }, () => only('204', 'signing out of MFA'));
    if (answer) this.retire(session);
  }

  /** `POST /mfa/recovery-codes` right after a proof: ten new codes, the old ones void. */
  private async regenerateRecoveryCodes(): Promise<void> {
    const session = this.session;
    if (!session || Date.now() - session.sentAt > FRESH_PROOF_MAX_AGE_MS - 10_000) return;
    const answer = await this.call('regenerate', { method: 'POST', path: '/mfa/recovery-codes', session: session.token }, () => only('200', 'a proof made just before'));
    const codes = answer?.body.recoveryCodes as string[] | undefined;
    if (!answer) return;
    if (codes?.length !== RECOVERY_CODE_COUNT) return this.wrong('regenerate', answer, `${RECOVERY_CODE_COUNT} recovery codes`, `${codes?.length}`);
    this.spend(...this.recovery);
    this.recovery = [...codes];
  }

  /**
   * `POST /mfa/verify` with a proof, for a session (rotating the user's) or, with `digest`, for a
   * grant to add a payee with that body. Answers the answer, or null when the request failed.
   */
  private async prove(proof: Proof, digest?: string): Promise<Answer | null> {
    const now = Date.now();
    const factor = this.factor!;
    const step = proof === 'code' ? usableStep(factor.lastStep, now) : null;
    if (proof === 'code' && step === null) return null;
    const body: Record<string, unknown> =
      proof === 'code'
        ? { code: codeAt(factor.secret, step!) }
        : proof === 'recovery'
          ? { recoveryCode: this.recovery[0] }
          : proof === 'wrong'
            ? { code: wrongCodeAt(factor.secret, now) }
            : { recoveryCode: this.spentRecovery[Math.floor(this.scenario.random() * this.spentRecovery.length)] };
    if (digest) body.action = { method: 'POST', path: '/api/payees', digest };
    const session = digest ? undefined : this.session;
    const action = digest ? 'grant' : `verify-${proof}`;
    const valid = (span: { sentAt: number; receivedAt: number }) => (step !== null ? stepValid(step, span.sentAt, span.receivedAt) : proof === 'recovery');
    this.verifications.add(now);
    const answer = await this.call(action, { method: 'POST', path: '/mfa/verify', session: session?.token, body: JSON.stringify(body) }, (span) => this.throttle.proofAnswers(valid(span), span));
    if (!answer) return null;
    const key = answerKey(answer.status, codeOf(answer));
    this.throttle.answered(key, answer);
    if (key === INVALID_CODE || key === LOCKED) this.failures.add(answer.receivedAt);
    if (key !== '200') return answer;
    this.needsProof = null;
    if (step !== null) factor.lastStep = step;
    if (proof === 'recovery') {
      this.spend(this.recovery.shift()!);
      if (answer.body.recoveryCodesRemaining !== this.recovery.length) this.wrong(action, answer, `${this.recovery.length} recovery codes left`, `${answer.body.recoveryCodesRemaining}`);
    }
    if (!digest) {
      if (session) this.retire(session);
      this.session = { token: answer.body.sessionToken as string, sentAt: answer.sentAt, receivedAt: answer.receivedAt };
    }
    return answer;
  }

  /** A session that no longer works: rotated by a proof, or ended. */
  private retire(session: HeldSession): void {
    if (this.session === session) this.session = null;
    this.oldSessions.push(session.token);
    if (this.oldSessions.length > OLD_SESSIONS_KEPT) this.oldSessions.shift();
  }

  private spend(...codes: string[]): void {
    this.spentRecovery.push(...codes);
    this.spentRecovery.splice(0, Math.max(0, this.spentRecovery.length - SPENT_CODES_KEPT));
  }

  /**
   * Sends a request (with the user's access token unless `call` says otherwise) to one instance
   * at random, counts it, and checks its answer against what the model allows. Answers the
   * answer, or null (and stops the user) after a network error, a 5xx or a wrong decision.
   */
  private async call(action: string, call: Call, allowed: (span: Answer) => Allowed): Promise<Answer | null> {
    const { targets, stats, random } = this.scenario;
    const target = targets[Math.floor(random() * targets.length)]!;
    let answer: Answer;
    try {
      answer = await this.client.send(target, { token: this.token ?? undefined, ...call });
    } catch (err) {
      stats.failed(action, err as Error);
      this.stopped = true;
      return null;
    }
    const code = codeOf(answer);
    stats.answered(action, target.name, answer.status, code, answer.ms);
    if (answer.status >= 500) {
      this.stopped = true;
      return null;
    }
    const { answers, because } = allowed(answer);
    const got = answerKey(answer.status, code);
    if (!answers.includes(got)) {
      stats.wrongDecision({ user: this.id, action, instance: target.name, request: `${call.method} ${call.path}`, expected: answers, got, because });
      this.stopped = true;
      return null;
    }
    if (answers.length > 1) stats.ambiguous += 1;
    return answer;
  }

  /** Records an answer whose status was allowed but whose body was not. */
  private wrong(action: string, answer: Answer, expected: string, got: string): void {
    this.scenario.stats.wrongDecision({ user: this.id, action, instance: '', request: action, expected: [expected], got, because: `the answer's body (status ${answer.status})` });
    this.stopped = true;
  }
}
