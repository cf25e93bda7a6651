// totp.verify_with_replay_guard: mfakit's check of a TOTP code (the secret decrypted, otplib's
// verify, then the used-step guard advanced atomically in the MemoryStore: checkOtp) against
// otplib's own verify alone with the same parameters, in interleaved rounds. Every code is fresh
// (a fake clock moves one step per code), so the replay guard accepts each. No target: it is paid
// once per verification, not per request (issue 18).
// totp.mfa_verify: the whole `mfa.verify` (throttle, the above, a new session, the audit event),
// for reference; no target.
import { NodeCryptoPlugin } from '@otplib/plugin-crypto-node';
import { totpCode, FakeClock } from '@mfakit/testing';
import { ScureBase32Plugin, verify } from 'otplib';
import { checkOtp } from '../../../packages/core/src/totp/otp';
import { median, round } from '../../lib/measurement';
import { benchMfa, enrollTotp, type TotpUser } from '../lib/fixtures';
import { type Task, runFor } from '../lib/task';
import { type Batch, interleave, medianCost, spread, timeBatch } from '../lib/timing';
import { contextOf } from '../../../packages/core/src/createMfa';

const crypto = new NodeCryptoPlugin();
const base32 = new ScureBase32Plugin();

interface Code {
  /** A time inside the code's step (ms). */
  at: number;
  code: string;
}

interface Fixture {
  /** Codes for the next `n` steps, made before timing. */
  codes: (n: number) => Code[];
  /** mfakit's checkOtp on one code, at its time. */
  mfakit: (code: Code) => Promise<void>;
  /** The same through the whole mfa.verify. */
  mfaVerify: (code: Code) => Promise<void>;
  /** otplib's verify on one code, with the same parameters. */
  otplib: (code: Code) => Promise<void>;
}

async function fixture(): Promise<Fixture> {
  const clock = new FakeClock();
  const bench = benchMfa(clock);
  const alice: TotpUser = await enrollTotp(bench, 'alice');
  const opts = contextOf(bench.mfa);
  const { factor, secret } = alice;
  const periodMs = factor.period * 1000;
  const tolerance = opts.totp.window * factor.period;
  // Codes three steps apart: a code that happens to equal a neighbouring step's (one in a
  // million per neighbour) matches that step instead, and with steps 3 apart that is still newer
  // than the last one used, so the replay guard never refuses a benchmark code.
  const STRIDE = 3;
  let step = Math.floor(clock.now() / periodMs) + 1; // the enrollment spent the current step
  return {
    codes: (n) =>
      Array.from({ length: n }, () => {
        step += STRIDE;
        const at = step * periodMs + 7_000;
        return { at, code: totpCode(secret, { now: () => at }, { algorithm: factor.algorithm, digits: factor.digits, period: factor.period }) };
      }),
    async mfakit({ at, code }) {
      clock.set(at);
      if (!(await checkOtp(opts, factor, code))) throw new Error('checkOtp refused a fresh code');
    },
    async mfaVerify({ at, code }) {
      clock.set(at);
      if (!(await bench.mfa.verify({ user: alice.user }, { code })).ok) throw new Error('mfa.verify refused a fresh code');
    },
    async otplib({ at, code }) {
      const epoch = Math.floor(at / 1000);
      const result = await verify({ secret, token: code, algorithm: factor.algorithm, digits: factor.digits, period: factor.period, epoch, epochTolerance: tolerance, crypto, base32 });
      if (!result.valid) throw new Error('otplib refused a fresh code');
    },
  };
}

/** One round: fresh codes, then the timed calls. */
const batch =
  (f: Fixture, n: number, op: (code: Code) => Promise<void>): Batch =>
  () => {
    const codes = f.codes(n);
    return timeBatch(n, (i) => op(codes[i]!));
  };

export const totp: Task = {
  async run({ quick }) {
    const f = await fixture();
    const [rounds, n] = quick ? [7, 1000] : [25, 4000];
    await interleave(2, batch(f, n, f.mfakit), batch(f, n, f.otplib)); // warm-up
    const guard = await interleave(rounds, batch(f, n, f.mfakit), batch(f, n, f.otplib));
    const whole = await interleave(rounds, batch(f, n, f.mfaVerify), batch(f, n, f.otplib));
    const base = medianCost(guard.b);
    const mine = medianCost(guard.a);
    const ratio = median(guard.ratios);
    const params = 'SHA-1, 6 digits, 30 s, window 1';
    return [
      { name: 'totp.otplib_verify', value: round(base.cpuUs, 2), unit: 'us CPU/verify', note: `otplib verify() alone (node crypto plugin), ${params}` },
      {
        name: 'totp.verify_with_replay_guard',
        value: round(mine.cpuUs, 2),
        unit: 'us CPU/verify',
        baseline: 'totp.otplib_verify',
        ratio: round(ratio, 3),
        note: `checkOtp on the MemoryStore: decrypt the secret (AES-256-GCM), otplib verify, advance the used step; median of per-round ratios, ${spread(guard.ratios)} of ${n} fresh codes each; no target: it is paid once per verification, not per request`,
      },
      {
        name: 'totp.mfa_verify',
        value: round(medianCost(whole.a).cpuUs, 2),
        unit: 'us CPU/verify',
        baseline: 'totp.otplib_verify',
        ratio: round(median(whole.ratios), 3),
        note: 'the whole mfa.verify({ code }) for reference (throttle counters, checkOtp, a new session, the last proof, the event); no target',
      },
    ];
  },
  async profile(_name, seconds) {
    const f = await fixture();
    const codes = f.codes(Math.ceil(seconds * 60_000)); // more than a profile uses, made before it starts
    for (const code of codes.splice(0, 2000)) await f.mfakit(code); // warm-up
    return () => runFor(seconds, (i) => f.mfakit(codes[i]!), codes.length);
  },
};
