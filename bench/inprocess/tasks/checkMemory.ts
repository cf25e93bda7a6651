// check.memory.us: the CPU cost of one decision on a live MFA session, state in the MemoryStore,
// made as every adapter's `requireMfa` makes it (`guard` of @mfakit/core/http, which answers at once on this
// store, without an await): what a protected route costs in-process. Target: at most
// 1 µs of CPU per check (absolute; the target). Beside it, interleaved round by round, the
// floor (`check.memory.floor_us`, no target): one SHA-256 of the token and one Map lookup.
import { hash } from 'node:crypto';
import { systemClock } from '@mfakit/core';
import { guard } from '@mfakit/core/http';
import { median, round, spreadOf } from '../../lib/measurement';
import { benchMfa, enrollTotp } from '../lib/fixtures';
import { type Task, runFor } from '../lib/task';
import { interleave, medianCost, spread, timeBatch } from '../lib/timing';

const NO_REQUIREMENT = {};
const asIs = <T>(decision: T) => decision; // made once: the check itself is what is measured

const TARGET_US = 1;

async function liveCheck() {
  const bench = benchMfa(systemClock);
  const { user, sessionToken } = await enrollTotp(bench, 'alice');
  // As an adapter calls it: a new MfaRequest per HTTP request.
  const check = () => {
    const decision = guard(bench.mfa, { user, sessionToken }, NO_REQUIREMENT, asIs);
    if (decision instanceof Promise) throw new Error('the memory store answered a decision later, not at once');
    if (!decision.allow) throw new Error(`check denied a live session: ${JSON.stringify(decision.response)}`);
  };
  return { check, sessionToken };
}

/** The least a check does, for reference: one SHA-256 of the token (the one-shot `crypto.hash`, hex) and one lookup of it in a Map. */
function floorCheck(sessionToken: string): () => void {
  const table = new Map([[hash('sha256', sessionToken, 'hex'), 'alice']]);
  return () => {
    if (table.get(hash('sha256', sessionToken, 'hex')) !== 'alice') throw new Error('the floor lost its token');
  };
}

export const checkMemory: Task = {
  async run({ quick }) {
    const { check, sessionToken } = await liveCheck();
    const floor = floorCheck(sessionToken);
    const [rounds, perRound, warmup] = quick ? [7, 20_000, 30_000] : [21, 50_000, 100_000];
    await timeBatch(warmup, check);
    await timeBatch(warmup, floor);
    const measured = await interleave(
      rounds,
      () => timeBatch(perRound, check),
      () => timeBatch(perRound, floor),
    );
    const costs = measured.a;
    const { cpuUs, wallUs } = medianCost(costs);
    const floorUs = medianCost(measured.b).cpuUs;
    return [
      {
        name: 'check.memory.us',
        value: round(cpuUs, 3),
        unit: 'us CPU/check',
        target: `<= ${TARGET_US} us`,
        met: cpuUs <= TARGET_US,
        spread: spreadOf(
          costs.map((c) => c.cpuUs),
          3,
        ),
        note: `guard(mfa, { user, sessionToken }) (what requireMfa calls) on a live session, MemoryStore; CPU per check, median of ${rounds} rounds of ${perRound} sequential checks after ${warmup} to warm up, interleaved with the floor's (rounds ${spread(costs.map((c) => c.cpuUs))}; wall ${round(wallUs, 3)} us; ${round(median(measured.ratios), 2)}x the floor in the same rounds)`,
      },
      {
        name: 'check.memory.floor_us',
        value: round(floorUs, 3),
        unit: 'us CPU/check',
        spread: spreadOf(
          measured.b.map((c) => c.cpuUs),
          3,
        ),
        note: `Reference, no target: the least a check does, one SHA-256 of the token (crypto.hash, hex) and one Map lookup, in the rounds of check.memory.us (rounds ${spread(measured.b.map((c) => c.cpuUs))})`,
      },
    ];
  },
  async profile(_name, seconds) {
    const { check } = await liveCheck();
    await runFor(0.3, check); // warm-up (a no-op when the measurement just ran)
    return () => runFor(seconds, check);
  },
};
