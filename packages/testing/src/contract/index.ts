export * from './describeHttpContract';
export * from './routes';
export type * from './types';
export { TEST_ENCRYPTION_KEYS, TEST_RECOVERY_CODE_COST } from './lib/harness';
