/**
 * The command did what was asked. `runCli` answers one of the three exit codes.
 *
 * @example
 * process.exitCode = await runCli(process.argv.slice(2), context); // EXIT_OK, EXIT_FAILED or EXIT_USAGE
 */
export const EXIT_OK = 0;
/** The command ran but could not do it (no exemption to lift, the store failed). */
export const EXIT_FAILED = 1;
/** The command line was wrong: unknown command, bad flag, missing or malformed value (GNU and bash use 2 for misuse). */
export const EXIT_USAGE = 2;
