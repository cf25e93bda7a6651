export * from './describeHttpContract';
export type * from './types';
