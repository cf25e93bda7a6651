import type { StateStore } from '@mfakit/core/store';

export type StateMethod = keyof StateStore;

/** Every method of the StateStore contract, e.g. to make them all fail. */
export const STATE_METHODS: StateMethod[] = ['get', 'getMany', 'set', 'setIfAbsent', 'consume', 'delete', 'increment', 'incrementUnless', 'advance'];

/**
 * Failure injection: a StateStore that works (through `inner`) until told to reject some or all
 * of its methods, as a Redis that went away would (ECONNREFUSED). Records the methods called.
 *
 * @example
 * const state = new FlakyStateStore(new MemoryStore());
 * state.failing.add('get'); // every session read now rejects
 */
export class FlakyStateStore implements StateStore {
  failing = new Set<StateMethod>();
  readonly calls: StateMethod[] = [];

  constructor(private readonly inner: StateStore) {}

  private run<T>(method: StateMethod, work: () => Promise<T>): Promise<T> {
    this.calls.push(method);
    if (this.failing.has(method)) return Promise.reject(Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:6379'), { code: 'ECONNREFUSED' }));
    return work();
  }

  get(key: string) {
    return this.run('get', () => this.inner.get(key));
  }
  getMany(keys: string[]) {
    return this.run('getMany', async () => this.inner.getMany(keys));
  }
  set(key: string, value: string, ttlMs: number) {
    return this.run('set', () => this.inner.set(key, value, ttlMs));
  }
  setIfAbsent(key: string, value: string, ttlMs: number) {
    return this.run('setIfAbsent', () => this.inner.setIfAbsent(key, value, ttlMs));
  }
  consume(key: string) {
    return this.run('consume', () => this.inner.consume(key));
  }
  delete(key: string) {
    return this.run('delete', () => this.inner.delete(key));
  }
  increment(key: string, ttlMs: number) {
    return this.run('increment', () => this.inner.increment(key, ttlMs));
  }
  incrementUnless(key: string, ttlMs: number, unless: string[]) {
    return this.run('incrementUnless', () => this.inner.incrementUnless(key, ttlMs, unless));
  }
  advance(key: string, value: number, ttlMs: number) {
    return this.run('advance', () => this.inner.advance(key, value, ttlMs));
  }
}
