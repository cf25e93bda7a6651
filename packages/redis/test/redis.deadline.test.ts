/**
 * Threat: a Redis that takes commands and never answers holding requests forever (node-redis 5
 * waits for a reply with no timeout). The store's deadline must reject every command not
 * answered in time, each at its own deadline, and never one that was answered; it runs on one
 * timer for all, so these check its bookkeeping on a fake clock.
 */
import { Deadline } from '../src/lib/deadline';

/** A command whose reply the test sends, or not. */
function command<T>(): { promise: Promise<T>; answer(value: T): void } {
  let answer!: (value: T) => void;
  const promise = new Promise<T>((resolve) => {
    answer = resolve;
  });
  return { promise, answer };
}

/** What a promise has come to so far. */
function watch<T>(promise: Promise<T>): { state: string } {
  const seen = { state: 'pending' };
  promise.then(
    (value) => {
      seen.state = `answered ${String(value)}`;
    },
    (err: Error & { code?: string }) => {
      seen.state = `${err.code}: ${err.message}`;
    },
  );
  return seen;
}

beforeEach(() => jest.useFakeTimers());
afterEach(() => jest.useRealTimers());

test('an unanswered command rejects at its deadline, an answered one never', async () => {
  const deadline = new Deadline(500);
  const [a, b, c] = [command<string>(), command<string>(), command<string>()];
  const seen = [watch(deadline.within('GET', a.promise)), watch(deadline.within('MGET', b.promise))];
  await jest.advanceTimersByTimeAsync(200);
  seen.push(watch(deadline.within('EVALSHA', c.promise))); // due at 700
  a.answer('x');
  await jest.advanceTimersByTimeAsync(299);
  expect(seen.map((s) => s.state)).toEqual(['answered x', 'pending', 'pending']);
  await jest.advanceTimersByTimeAsync(1);
  expect(seen[1]!.state).toBe('ETIMEDOUT: Redis did not answer MGET within 500 ms (RedisStateStore commandTimeout)');
  expect(seen[2]!.state).toBe('pending');
  b.answer('late'); // a reply after the deadline changes nothing
  await jest.advanceTimersByTimeAsync(199);
  expect(seen[2]!.state).toBe('pending');
  await jest.advanceTimersByTimeAsync(1);
  expect(seen.map((s) => s.state)).toEqual(['answered x', expect.stringContaining('MGET'), expect.stringContaining('ETIMEDOUT: Redis did not answer EVALSHA')]);
  expect(jest.getTimerCount()).toBe(0); // nothing left to watch, no timer left
});

test('a rejection from Redis passes through as it is', async () => {
  const deadline = new Deadline(500);
  const failure = new Error('CROSSSLOT Keys in request do not hash to the same slot');
  await expect(deadline.within('MGET', Promise.reject(failure))).rejects.toBe(failure);
});

test('once every command is answered, the timer goes idle and starts again with the next', async () => {
  const deadline = new Deadline(100);
  const first = command<number>();
  const seen = watch(deadline.within('GET', first.promise));
  first.answer(1);
  await jest.advanceTimersByTimeAsync(100);
  expect(seen.state).toBe('answered 1');
  expect(jest.getTimerCount()).toBe(0);
  const later = watch(deadline.within('GET', command<number>().promise));
  await jest.advanceTimersByTimeAsync(100);
  expect(later.state).toMatch(/^ETIMEDOUT/);
});
