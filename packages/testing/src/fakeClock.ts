import type { Clock } from '@mfakit/core';

/** A clock that moves only when told: tests advance time instead of sleeping. */
export class FakeClock implements Clock {
  constructor(private time = Date.UTC(2026, 0, 1)) {}

  now(): number {
    return this.time;
  }

  /** Moves time forward by `ms` milliseconds. */
  advance(ms: number): void {
    this.time += ms;
  }

  /** Moves time forward by `seconds` seconds. */
  advanceSeconds(seconds: number): void {
    this.time += seconds * 1000;
  }

  set(ms: number): void {
    this.time = ms;
  }
}
