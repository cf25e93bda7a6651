/**
 * Threat: a fleet that decides wrongly under concurrency, or answers 5xx instead of deciding: a
 * protected call let through without a live session or refused with one, a code accepted twice
 * or while the account is locked, a lock that one instance does not see, a step-up passed with a
 * stale proof, a grant that works twice or for another body, a recovery code counted wrong.
 *
 * The short form of the load test (bench/load, whose long form `pnpm bench load` runs 200 users
 * for 60 s and measures latency): 50 simulated users for 10 s on two demo instances (Express and
 * Koa) sharing Redis and PostgreSQL, each request sent to either at random, every answer checked
 * against what the user's own state allows. No timing is asserted. About 30 s, most of it the
 * instances starting under tsx.
 */
import { type LoadReport, runLoad } from '../../bench/load/runLoad';
import { type LoadFleet, startFleet } from '../../bench/load/startFleet';
import { withFleetServices } from './harness';

const USERS = 50;
const DURATION_MS = 10_000;
// Short, so that a 10 s run sees transfers refused as stale as well as passed as fresh.
const FRESH_MAX_AGE_SECONDS = 4;

withFleetServices(() => {
  let fleet: LoadFleet;
  let report: LoadReport;

  beforeAll(async () => {
    fleet = await startFleet({ users: USERS, freshMaxAgeSeconds: FRESH_MAX_AGE_SECONDS });
    // Busier users, and the rare actions made common, so that every kind of decision comes up within 10 s. A fifth
    // of the users enroll during the run, arriving over 3 s: an enrollment's ten recovery-code
    // hashes are most of the run's CPU.
    const mix = { typo: 4, lockout: 4, recovery: 3, payee: 8, endSession: 5, oldSession: 4 };
    const run = { durationMs: DURATION_MS, freshMaxAgeMs: FRESH_MAX_AGE_SECONDS * 1000, enrollingShare: 0.2, rampMs: 3000, thinkMs: [100, 500] as [number, number], mix };
    report = await runLoad({ targets: fleet.targets, users: USERS, ...run });
  }, 120_000);

  afterAll(async () => {
    await fleet?.stop();
  }, 30_000);

  test('no answer is a 5xx, and every request is answered', () => {
    expect(report.fiveXx + report.setup.fiveXx).toBe(0);
    expect(report.errorExamples).toEqual([]);
    expect(report.errors + report.setup.errors).toBe(0);
  });

  test("every answer is one the user's state allows", () => {
    expect([...report.setup.wrongExamples, ...report.wrongExamples]).toEqual([]);
    expect(report.wrong + report.setup.wrong).toBe(0);
    expect(report.stoppedUsers).toBe(0);
  });

  test('the run met every kind of decision it checks', () => {
    const met = Object.keys(report.outcomes);
    expect(met).toEqual(
      expect.arrayContaining([
        'profile 200',
        'profile 401 mfa_required',
        'profile 403 mfa_enrollment_required',
        'confirm 200',
        'verify-code 200',
        'verify-recovery 200',
        'verify-wrong 401 mfa_invalid_code',
        'verify-wrong 429 mfa_locked',
        'verify-code 429 mfa_locked',
        'transfer 201',
        'transfer 401 mfa_stale',
        'grant 200',
        'payee 201',
        'payee-replayed 401 mfa_grant_invalid',
        'payee-no-grant 401 mfa_stale',
        'old-session 401 mfa_required',
        'end-session 204',
        'status 200',
      ]),
    );
  });
});
