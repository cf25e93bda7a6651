export * from './fakeClock';
export * from './otp';
export * from './storeConformance';
export * from './vectors';
export * from './softAuthenticator';
export * from './contract';
export * from './flakyStateStore';
export * from './assertions';
