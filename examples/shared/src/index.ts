export * from './config';
export * from './demo';
export * from './listen';
export * from './problems';
export * from './tokens';
export * from './transfers';
export * from './users';
export * from './serve';
