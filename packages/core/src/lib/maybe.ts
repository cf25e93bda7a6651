/**
 * A value now, or later. The check of a protected route runs on every request: where a store
 * answers at once (the memory store), the whole decision is made without an await, which spares
 * each request the promises and the turns of the event loop that awaiting costs.
 */
export type MaybePromise<T> = T | PromiseLike<T>;

export const isThenable = <T>(value: MaybePromise<T>): value is PromiseLike<T> => typeof (value as PromiseLike<T> | null)?.then === 'function';

/** `then` for a value that may be a promise: a plain value goes to `next` at once. */
export function andThen<T, U>(value: MaybePromise<T>, next: (value: T) => MaybePromise<U>): MaybePromise<U> {
  return isThenable(value) ? value.then(next) : next(value);
}
