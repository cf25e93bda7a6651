export * from './arbitraries';
export * from './badRequirements';
export * from './describeAdapterContract';
export * from './rawHttp';
export * from './types';
