// check.memory.us: the CPU cost of one decision on a live MFA session, state in the MemoryStore,
// made as every adapter's `requireMfa` makes it (`guard` of @mfakit/core/http, which answers at once on this
// store, without an await): what a protected route costs in-process. Target: at most
// 1 µs of CPU per check (absolute; the target).
import { systemClock } from '@mfakit/core';
import { guard } from '@mfakit/core/http';
import { round } from '../../lib/measurement';
import { benchMfa, enrollTotp } from '../lib/fixtures';
import { type Task, runFor } from '../lib/task';
import { medianCost, spread, timeBatch } from '../lib/timing';

const NO_REQUIREMENT = {};
const asIs = <T>(decision: T) => decision; // made once: the check itself is what is measured

const TARGET_US = 1;

async function liveCheck() {
  const bench = benchMfa(systemClock);
  const { user, sessionToken } = await enrollTotp(bench, 'alice');
  // As an adapter calls it: a new MfaRequest per HTTP request.
  return () => {
    const decision = guard(bench.mfa, { user, sessionToken }, NO_REQUIREMENT, asIs);
    if (decision instanceof Promise) throw new Error('the memory store answered a decision later, not at once');
    if (!decision.allow) throw new Error(`check denied a live session: ${JSON.stringify(decision.response)}`);
  };
}

export const checkMemory: Task = {
  async run({ quick }) {
    const check = await liveCheck();
    const [rounds, perRound, warmup] = quick ? [7, 20_000, 30_000] : [21, 50_000, 100_000];
    await timeBatch(warmup, check);
    const costs = [];
    for (let r = 0; r < rounds; r++) costs.push(await timeBatch(perRound, check));
    const { cpuUs, wallUs } = medianCost(costs);
    const value = round(cpuUs, 3);
    return [
      {
        name: 'check.memory.us',
        value,
        unit: 'us CPU/check',
        target: `<= ${TARGET_US} us`,
        met: cpuUs <= TARGET_US,
        note: `guard(mfa, { user, sessionToken }) (what requireMfa calls) on a live session, MemoryStore; CPU per check, median of ${rounds} rounds of ${perRound} sequential checks after ${warmup} to warm up (rounds ${spread(costs.map((c) => c.cpuUs))}; wall ${round(wallUs, 3)} us)`,
      },
    ];
  },
  async profile(_name, seconds) {
    const check = await liveCheck();
    await runFor(0.3, check); // warm-up (a no-op when the measurement just ran)
    return () => runFor(seconds, check);
  },
};
