// recovery.verify.ms: the time one recovery code check takes, through `mfa.verify({ recoveryCode })`
// with a valid, unused code: the throttle, one scrypt hash of the code (N=2^13, r=8: all codes of
// a set share its salt, so it is one slow hash whichever code it is), the atomic consume and a new
// session. Target: at most 25 ms (absolute). recovery.scrypt.ms: that one hash alone, for
// reference. Wall time: scrypt runs on libuv's thread pool, and wall time is what a user waits.
import { FakeClock } from '@mfakit/testing';
import { scrypt } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { median, round } from '../../lib/measurement';
import { benchMfa, enrollTotp, type TotpUser } from '../lib/fixtures';
import type { Task } from '../lib/task';

const TARGET_MS = 25;
const SCRYPT = { N: 1 << 13, r: 8, p: 1, maxmem: 64 * 1024 * 1024 }; // as packages/core/src/recovery/recoveryCodes.ts

async function wallMs(op: () => Promise<unknown>): Promise<number> {
  const start = performance.now();
  await op();
  return performance.now() - start;
}

const WRONG_CODES = ['ZZZZ-ZZZZ-ZZZZ-ZZZZ', 'YYYY-YYYY-YYYY-YYYY'];

const hashOnce = () => new Promise<Buffer>((resolve, reject) => scrypt('0123456789ABCDEF', Buffer.alloc(16, 1), 32, SCRYPT, (err, key) => (err ? reject(err) : resolve(key))));

export const recovery: Task = {
  async run({ quick }) {
    const clock = new FakeClock();
    const bench = benchMfa(clock);
    const users: TotpUser[] = [];
    const userCount = quick ? 2 : 5; // ten codes each
    for (let u = 0; u < userCount; u++) users.push(await enrollTotp(bench, `user-${u}`));
    await hashOnce(); // warm-up

    const checks: number[] = [];
    const wrong: number[] = [];
    const hashes: number[] = [];
    for (const { user, recoveryCodes } of users) {
      for (const recoveryCode of WRONG_CODES) {
        // well-formed but not in the set; two, below the lock at three failures
        wrong.push(await wallMs(async () => void (await bench.mfa.verify({ user }, { recoveryCode }))));
      }
      for (const recoveryCode of recoveryCodes) {
        clock.advance(1000);
        checks.push(
          await wallMs(async () => {
            const verified = await bench.mfa.verify({ user }, { recoveryCode });
            if (!verified.ok) throw new Error(`a valid recovery code was refused: ${verified.problem.code}`);
          }),
        );
        hashes.push(await wallMs(hashOnce)); // interleaved, so both see the same machine
      }
    }
    const value = median(checks);
    return [
      { name: 'recovery.scrypt.ms', value: round(median(hashes), 2), unit: 'ms', note: 'one scrypt (N=2^13, r=8, p=1, 32 bytes) alone' },
      {
        name: 'recovery.verify.ms',
        value: round(value, 2),
        unit: 'ms/check',
        baseline: 'recovery.scrypt.ms',
        ratio: round(value / median(hashes), 3),
        target: `<= ${TARGET_MS} ms`,
        met: value <= TARGET_MS,
        note: `mfa.verify({ recoveryCode }) with a valid code, wall time, median of ${checks.length} (max ${round(Math.max(...checks), 1)} ms); one scrypt per attempt`,
      },
      {
        name: 'recovery.verify_wrong.ms',
        value: round(median(wrong), 2),
        unit: 'ms/check',
        baseline: 'recovery.scrypt.ms',
        ratio: round(median(wrong) / median(hashes), 3),
        target: `<= ${TARGET_MS} ms`,
        met: median(wrong) <= TARGET_MS,
        note: `a well-formed wrong code (what a guesser pays: also one scrypt), median of ${wrong.length}`,
      },
    ];
  },
};
