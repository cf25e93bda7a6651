export * from './fakeClock';
export * from './otp';
