export * from './fakeClock';
export * from './otp';
export * from './storeConformance';
