import { EXIT_USAGE } from './exitCodes';

/** A wrong command line: `runCli` prints the message on stderr and exits with code 2. */
export class UsageError extends Error {
  readonly code = 'usage';
  readonly exitCode = EXIT_USAGE;

  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = this.constructor.name;
  }
}
