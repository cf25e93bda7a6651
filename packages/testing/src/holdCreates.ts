import type { FactorStore } from '@mfakit/core/store';

/**
 * Holds the next `parties` writes of a new factor (`createFactor`, or a store's
 * `createFactorWithRecoveryCodes`) until all of them have come, then lets them run; later calls
 * are not held. Racing requests have then all read (their factors, their recovery set) before any
 * of them writes, whatever the number of awaits on their paths (or the scheduling of a pool's
 * connections): the race the store must settle happens every time.
 *
 * @example
 * holdCreates(factors, 2);
 * await Promise.all([confirm(a), confirm(b)]);
 */
export function holdCreates(store: FactorStore, parties: number): void {
  const methods = store as unknown as Record<string, (...args: unknown[]) => Promise<unknown>>;
  const names = ['createFactor', 'createFactorWithRecoveryCodes'].filter((name) => typeof methods[name] === 'function');
  const originals = new Map(names.map((name) => [name, methods[name]!.bind(store)]));
  const waiting: (() => void)[] = [];
  for (const [name, original] of originals) {
    methods[name] = async (...args: unknown[]) => {
      await new Promise<void>((resolve) => {
        waiting.push(resolve);
        if (waiting.length < parties) return;
        for (const held of names) delete methods[held]; // the prototype's again, for what the released calls do inside
        for (const go of waiting) go();
      });
      return original(...args);
    };
  }
}
