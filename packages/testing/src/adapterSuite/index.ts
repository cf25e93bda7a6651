export * from './badRequirements';
export * from './describeAdapterContract';
export * from './types';
