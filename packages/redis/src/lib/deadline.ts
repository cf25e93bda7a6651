import { AsyncResource } from 'node:async_hooks';

// A timer runs its callback in the async context (the AsyncLocalStorage stores) of the code that
// set it. This one serves every caller and sets the next from inside the last, so set plainly it
// would keep the first request's stores alive as long as commands keep coming: it is set from the
// context of the module load instead (as node-redis does for its own command timeouts).
const setDetachedTimeout = AsyncResource.bind((callback: () => void, ms: number): NodeJS.Timeout => setTimeout(callback, ms));

/**
 * What a command not answered in time rejects with. `code` is `'ETIMEDOUT'`, as Node's own
 * timeouts; the core logs it and answers 503 `mfa_unavailable` like any store error.
 */
export class RedisTimeoutError extends Error {
  readonly code = 'ETIMEDOUT';

  constructor(what: string, ms: number) {
    super(`Redis did not answer ${what} within ${ms} ms (RedisStateStore commandTimeout)`);
    this.name = this.constructor.name;
  }
}

interface Pending {
  /** When it times out, on the `performance.now()` clock. */
  readonly at: number;
  readonly what: string;
  readonly reject: (err: Error) => void;
  settled: boolean;
  next: Pending | undefined;
}

/**
 * Rejects a command that Redis does not answer within `ms`, without cancelling it (the client
 * still takes its reply when it comes). node-redis 5's own command timeout only covers the wait
 * to be written: a command that Redis took and never answers would wait forever.
 *
 * Every command gets the same `ms`, so their deadlines come in the order the commands were sent:
 * one queue, oldest first, and one timer for the oldest, instead of a timer per command. An
 * answered command is dropped from the front as soon as it is the oldest; until then it stays,
 * marked settled, and the timer skips it.
 */
export class Deadline {
  private head: Pending | undefined;
  private tail: Pending | undefined;
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly ms: number) {}

  /** `promise`, or a {@link RedisTimeoutError} if it has not settled after `ms`. */
  within<T>(what: string, promise: Promise<T>): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const pending: Pending = { at: performance.now() + this.ms, what, reject, settled: false, next: undefined };
      if (this.tail) this.tail.next = pending;
      else this.head = pending;
      this.tail = pending;
      if (!this.timer) this.arm(this.ms);
      promise.then(
        (value) => {
          this.settle(pending);
          resolve(value);
        },
        (err: unknown) => {
          this.settle(pending);
          reject(err);
        },
      );
    });
  }

  private settle(pending: Pending): void {
    pending.settled = true;
    while (this.head?.settled) this.drop();
  }

  private drop(): void {
    this.head = this.head!.next;
    if (!this.head) this.tail = undefined;
  }

  private arm(ms: number): void {
    this.timer = setDetachedTimeout(() => this.expire(), Math.max(1, Math.ceil(ms)));
    this.timer.unref(); // a pending command keeps the process alive through its socket, not through this timer
  }

  /** Rejects every unanswered command whose time is up, and sets the timer for the next one. */
  private expire(): void {
    this.timer = undefined;
    const now = performance.now();
    while (this.head && (this.head.settled || this.head.at <= now)) {
      const pending = this.head;
      this.drop();
      if (!pending.settled) {
        pending.settled = true;
        pending.reject(new RedisTimeoutError(pending.what, this.ms));
      }
    }
    if (this.head) this.arm(this.head.at - now);
  }
}
