import type { Task } from '../lib/task';

/**
 * Every in-process task, in the order the suite runs them, each loaded only when asked for: a
 * worker loads its own task's modules and no other's (with ioredis loaded beside it, the memory
 * store's check cost a third more, in every part of it).
 */
export const TASKS: Record<string, () => Task> = {
  'check-memory': () => (require('./checkMemory') as typeof import('./checkMemory')).checkMemory,
  'check-allocations': () => (require('./checkAllocations') as typeof import('./checkAllocations')).checkAllocations,
  'check-redis': () => (require('./checkRedis') as typeof import('./checkRedis')).checkRedis,
  'redis-clients': () => (require('./redisClients') as typeof import('./redisClients')).redisClients,
  'check-scale': () => (require('./checkScale') as typeof import('./checkScale')).checkScale,
  totp: () => (require('./totp') as typeof import('./totp')).totp,
  recovery: () => (require('./recovery') as typeof import('./recovery')).recovery,
  webauthn: () => (require('./webauthn') as typeof import('./webauthn')).webauthn,
  'session-memory': () => (require('./sessionMemory') as typeof import('./sessionMemory')).sessionMemory,
};
