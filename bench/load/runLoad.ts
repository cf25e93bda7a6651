import type { Target } from './lib/client';
import { UserClient, userAddress } from './lib/client';
import { loadUserId } from './lib/loadUsers';
import { type Latency, LoadStats, type WrongDecision } from './lib/stats';
import { DEFAULT_MIX, type Mix, SimulatedUser } from './lib/user';

/** How a load run goes; see {@link runLoad}. */
export interface LoadOptions {
  /** The demo instances; each request goes to one at random. */
  targets: Target[];
  /** Simulated users: `load-0000` and on, each with its own account and loopback address. The instances must know at least this many (MFAKIT_LOAD_USERS). */
  users: number;
  /** How long the users act, ms, from the first one's start. */
  durationMs: number;
  /** The demos' MFA_FRESH_MAX_AGE, ms. */
  freshMaxAgeMs: number;
  /** The share of users who enroll during the run; the others enrolled before it (untimed). @default 0.1 */
  enrollingShare?: number;
  /** A user's pause between two actions, ms, uniform between the two: a person reads, clicks, types. @default [500, 1500] */
  thinkMs?: [number, number];
  /** Users start at random within this span, ms. @default a sixth of the run, at most 10 s */
  rampMs?: number;
  /** How often users pick each action, over {@link DEFAULT_MIX}: a short run raises the rare ones (typos, lockouts) to meet each decision. */
  mix?: Partial<Mix>;
  /** Users set up at once before the run (sign-in and enrollment: ten scrypt hashes each). @default 8 */
  setupConcurrency?: number;
  log?: (line: string) => void;
  /** Called when the set-up is over and the users start (e.g. to start sampling the instances' memory). */
  onRunStart?: () => void;
}

/** What a run measured and found. */
export interface LoadReport {
  users: number;
  seconds: number;
  requests: number;
  /** Requests answered per second over the run. */
  rps: number;
  latency: Latency;
  byAction: Record<string, Latency>;
  /** `<action> <status> <code>` -> count: every kind of answer the run got. */
  outcomes: Record<string, number>;
  /** Instance name -> requests it answered. */
  byInstance: Record<string, number>;
  fiveXx: number;
  /** Requests without an answer (network errors, timeouts). */
  errors: number;
  wrong: number;
  wrongExamples: WrongDecision[];
  errorExamples: string[];
  /** Answers where the model allowed two outcomes, the request having been slow enough to straddle a lock's end or a proof's ageing. */
  ambiguous: number;
  /** Users stopped before the end (by a wrong decision, a 5xx or an error). */
  stoppedUsers: number;
  /** The users set up before the run: how long it took, and what went wrong then (5xx, errors, wrong decisions). */
  setup: { users: number; seconds: number; requests: number; fiveXx: number; errors: number; wrong: number; wrongExamples: WrongDecision[] };
}

const PROGRESS_EVERY_MS = 10_000;

/**
 * Runs the load scenario against running demo instances: sets up the users who enrolled before the
 * run (signed in, TOTP enrolled and confirmed: checked, not timed), then lets every user act for
 * `durationMs` (see lib/user.ts: sign-in, enrollment, verification, protected calls, step-ups,
 * payees with grants, wrong codes and lockouts, recovery codes), each answer checked against the
 * user's model of its own state. The users run on the real clock, as the instances do: a user
 * proves with a code only when its authenticator shows one it has not used (about one per 30 s
 * step), and otherwise does what needs no new proof.
 *
 * @returns The figures and findings; it throws only if the run cannot start.
 * @example
 * const report = await runLoad({ targets, users: 200, durationMs: 60_000, freshMaxAgeMs: 20_000 });
 * console.log(report.rps, report.latency.p99, report.fiveXx, report.wrong);
 */
export async function runLoad(options: LoadOptions): Promise<LoadReport> {
  const { targets, users: count, durationMs, freshMaxAgeMs, log = () => undefined } = options;
  const [thinkMin, thinkMax] = options.thinkMs ?? [500, 1500];
  const rampMs = options.rampMs ?? Math.min(durationMs / 6, 10_000);
  const enrolling = Math.round(count * (options.enrollingShare ?? 0.1));
  const random = Math.random;

  const setupStats = new LoadStats();
  const stats = new LoadStats();
  // Counted in `setupStats` until the run starts, in `stats` from then on.
  const scenario = { targets, stats: setupStats, freshMaxAgeMs, random, mix: { ...DEFAULT_MIX, ...options.mix } };
  const everyone = Array.from({ length: count }, (_, i) => new SimulatedUser(loadUserId(i), new UserClient(userAddress(i)), scenario));
  const preEnrolled = everyone.slice(0, count - enrolling);
  const setupStarted = Date.now();
  await inBatches(preEnrolled, options.setupConcurrency ?? 8, (user) => user.setUp());
  const setupSeconds = (Date.now() - setupStarted) / 1000;
  log(`${preEnrolled.length} users signed in and enrolled in ${setupSeconds.toFixed(1)} s`);
  scenario.stats = stats;
  options.onRunStart?.();
  const started = Date.now();
  const until = started + durationMs;
  const think = () => thinkMin + random() * (thinkMax - thinkMin);
  const progress = setInterval(() => {
    const seconds = (Date.now() - started) / 1000;
    log(
      `${seconds.toFixed(0)} s: ${stats.overall.count} requests (${Math.round(stats.overall.count / seconds)}/s), p99 ${stats.latency().p99} ms, ${stats.fiveXx} 5xx, ${stats.wrong} wrong, ${stats.errors} errors`,
    );
  }, PROGRESS_EVERY_MS);
  try {
    await Promise.all(
      everyone
        .filter((user) => !user.stopped)
        .map(async (user) => {
          await new Promise((resolve) => setTimeout(resolve, random() * rampMs));
          await user.run(until, think);
        }),
    );
  } finally {
    clearInterval(progress);
    for (const user of everyone) user.close();
  }
  const seconds = (Date.now() - started) / 1000;
  const byAction = Object.fromEntries(stats.actions().map((action) => [action, stats.latency(action)]));
  return {
    users: count,
    seconds,
    requests: stats.overall.count,
    rps: Math.round(stats.overall.count / seconds),
    latency: stats.latency(),
    byAction,
    outcomes: Object.fromEntries([...stats.outcomes.entries()].sort()),
    byInstance: Object.fromEntries(stats.byInstance),
    fiveXx: stats.fiveXx,
    errors: stats.errors,
    wrong: stats.wrong,
    wrongExamples: stats.wrongExamples,
    errorExamples: stats.errorExamples,
    ambiguous: stats.ambiguous,
    stoppedUsers: everyone.filter((user) => user.stopped).length,
    setup: {
      users: preEnrolled.length,
      seconds: setupSeconds,
      requests: setupStats.overall.count,
      fiveXx: setupStats.fiveXx,
      errors: setupStats.errors,
      wrong: setupStats.wrong,
      wrongExamples: setupStats.wrongExamples,
    },
  };
}

/** Runs `work` on every item, at most `concurrency` at a time. */
async function inBatches<T>(items: T[], concurrency: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length) await work(items[next++]!);
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, items.length) }, worker));
}
