// memory.bytes_per_session: memory per live MFA session in the MemoryStore. Sessions are issued
// through the core's own path (issueSession: a new token, its SHA-256 with the user's id as the
// id, the record into the store's session table), one per user, each with its own factor id (a
// new string, as each user's factor record gives it), 1,000,000 (100,000 in quick mode); the
// tokens' random bytes come from a fast generator (crypto.randomBytes would take most of the
// run). The memory is measured after full collections before and after: memory outside the heap
// (the table's typed arrays are there) plus the growth of heapUsed (which moves by a few MiB
// either way with nothing of the sessions in it; a fall is not counted). Target: at most 200
// bytes per session.
import { FakeClock } from '@mfakit/testing';
import { contextOf } from '../../../packages/core/src/createMfa';
import { issueSession } from '../../../packages/core/src/session/sessions';
import { round } from '../../lib/measurement';
import { benchMfa, fastRandomBytes } from '../lib/fixtures';
import type { Task } from '../lib/task';
import { collect } from '../lib/timing';

const TARGET_BYTES = 200;

/** After full collections, with a pause between them: V8 frees the memory of dead ArrayBuffers (a grown table's old chunk) on a later task. */
async function memoryBytes(): Promise<{ heap: number; external: number }> {
  for (let i = 0; i < 3; i++) {
    collect();
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  const { heapUsed, external } = process.memoryUsage();
  return { heap: heapUsed, external };
}

export const sessionMemory: Task = {
  flags: ['--max-old-space-size=4096'],
  async run({ quick }) {
    const count = quick ? 100_000 : 1_000_000;
    const clock = new FakeClock(); // time stands still: every session stays live
    const randomBytes = fastRandomBytes(count);
    const issuer = () => {
      const opts = contextOf(benchMfa(clock, { randomBytes }).mfa);
      return (userId: string) => issueSession(opts, userId, { factorId: `fac_${randomBytes(16).toString('base64url')}`, amr: ['otp'] }, undefined, clock.now());
    };
    const warmUp = issuer(); // another store, dropped: the code is compiled and its caches are full before the measurement
    for (let i = 0; i < 20_000; i++) await warmUp(`warm-up-${i}`);
    const issue = issuer();

    const before = await memoryBytes();
    for (let i = 0; i < count; i++) await issue(`user-${i}`); // the token goes to the client
    const after = await memoryBytes();
    const heap = (after.heap - before.heap) / count;
    const external = (after.external - before.external) / count;
    const perSession = external + Math.max(0, heap); // the heap moves by a few MiB either way with nothing of the sessions in it: a fall is not counted
    return [
      {
        name: 'memory.bytes_per_session',
        value: round(perSession, 0),
        unit: 'bytes/session',
        target: `<= ${TARGET_BYTES} bytes`,
        met: perSession <= TARGET_BYTES,
        note:
          `${count.toLocaleString('en')} live sessions (one per user, ids 'user-N', each with its own factor id) issued by the core into the MemoryStore; external + heapUsed growth after full GC, before and after: ` +
          `${round(external, 1)} B outside the JS heap (the session table: a row of 104 bytes per session, in chunks of 16,384 rows, and a 4-byte index slot, the index at most half full) and ${round(heap, 1)} B in the heap`,
      },
    ];
  },
};
