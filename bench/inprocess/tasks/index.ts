import type { Task } from '../lib/task';
import { checkAllocations } from './checkAllocations';
import { checkMemory } from './checkMemory';
import { checkRedis } from './checkRedis';
import { recovery } from './recovery';
import { sessionMemory } from './sessionMemory';
import { totp } from './totp';
import { webauthn } from './webauthn';

/** Every in-process task, in the order the suite runs them. */
export const TASKS: Record<string, Task> = {
  'check-memory': checkMemory,
  'check-allocations': checkAllocations,
  'check-redis': checkRedis,
  totp,
  recovery,
  webauthn,
  'session-memory': sessionMemory,
};
