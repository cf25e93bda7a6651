/**
 * What a store implements: the {@link FactorStore} (durable: factors, recovery-code hashes, user
 * records) and the {@link StateStore} (short-lived: sessions, locks, challenges, spent codes),
 * with the records they hold; and {@link MemoryStore}, the embedded default, which implements
 * both. `@mfakit/testing`'s conformance suite checks a store against these contracts.
 *
 * @example
 * import type { StateStore } from '@mfakit/core/store';
 * export class MyStateStore implements StateStore { ... }
 *
 * @packageDocumentation
 */
export { MemoryStore } from './memoryStore';
export * from './types';
