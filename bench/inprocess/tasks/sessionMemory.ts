// memory.bytes_per_session: heap per live MFA session in the MemoryStore. Sessions are issued
// through the core's own path (issueSession: a new token, its SHA-256 as the key, the record as
// JSON, set with its TTL), one per user, 1,000,000 (100,000 in quick mode); the heap is measured
// after full collections before and after (heapUsed plus memory outside the heap, so that nothing
// can hide in Buffers). Target: at most 200 bytes per session.
import { FakeClock } from '@mfakit/testing';
import { stateKeys } from '../../../packages/core/src/lib/keys';
import { sha256 } from '../../../packages/core/src/lib/random';
import { issueSession } from '../../../packages/core/src/session/sessions';
import { round } from '../../lib/measurement';
import { benchMfa, enrollTotp } from '../lib/fixtures';
import type { Task } from '../lib/task';
import { collect } from '../lib/timing';
import { contextOf } from '../../../packages/core/src/createMfa';

const TARGET_BYTES = 200;

/** Heap bytes of a flat one-byte string: a 16-byte header, then the text, in 8-byte words. */
const flatStringBytes = (text: string) => 16 + Math.ceil(text.length / 8) * 8;

function heapBytes(): { heap: number; external: number } {
  collect();
  collect();
  const { heapUsed, external } = process.memoryUsage();
  return { heap: heapUsed, external };
}

export const sessionMemory: Task = {
  flags: ['--max-old-space-size=4096'],
  async run({ quick }) {
    const count = quick ? 100_000 : 1_000_000;
    const clock = new FakeClock(); // time stands still: every session stays live
    const bench = benchMfa(clock);
    const { factor } = await enrollTotp(bench, 'alice'); // a real factor id, as every session carries one
    const opts = contextOf(bench.mfa);
    const proof = { factorId: factor.id, amr: ['otp'] };
    await issueSession(opts, 'warm-up', proof, undefined, clock.now());

    const before = heapBytes();
    let firstToken = '';
    for (let i = 0; i < count; i++) {
      const { token } = await issueSession(opts, `user-${i}`, proof, undefined, clock.now()); // the token goes to the client
      if (i === 0) firstToken = token;
    }
    const after = heapBytes();
    const perSession = (after.heap - before.heap + after.external - before.external) / count;
    // What the bytes go to, for the note: the stored key and JSON value of one session.
    const key = stateKeys.session('user-0', sha256(firstToken));
    const value = (await opts.state.get(key)) ?? '';
    const strings = flatStringBytes(key) + flatStringBytes(value);
    return [
      {
        name: 'memory.bytes_per_session',
        value: round(perSession, 0),
        unit: 'bytes/session',
        target: `<= ${TARGET_BYTES} bytes`,
        met: perSession <= TARGET_BYTES,
        note:
          `${count.toLocaleString('en')} live sessions (one per user, ids 'user-N') issued by the core into the MemoryStore; heapUsed + external after full GC, before and after. ` +
          `Per session: the key (${key.length} characters: prefix, user tag, SHA-256 hex of the token) ~${flatStringBytes(key)} B and the JSON record (${value.length} characters) ~${flatStringBytes(value)} B as flat strings, ` +
          `the rest (${round(perSession - strings, 0)} B) the entry object with its boxed expiry and the Map's slot`,
      },
    ];
  },
};
