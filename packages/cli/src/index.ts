export * from './runCli';
export { EXIT_FAILED, EXIT_OK, EXIT_USAGE } from './lib/exitCodes';
export { USAGE } from './lib/usage';
