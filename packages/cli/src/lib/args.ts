import { UsageError } from './usageError';

const MAX_USER_ID_LENGTH = 256; // the core keys state on ids of 1 to 256 characters (request.ts)

/** The one positional argument a command takes, the user id; throws `UsageError` otherwise. */
export function userIdArgument(command: string, positionals: string[]): string {
  if (positionals.length === 0) throw new UsageError(`${command} needs a user id: mfakit ${command} <userId>`);
  if (positionals.length > 1) throw new UsageError(`${command} takes one user id, got ${positionals.length} arguments`);
  const userId = positionals[0]!;
  if (userId.length === 0 || userId.length > MAX_USER_ID_LENGTH) throw new UsageError(`the user id must have 1 to ${MAX_USER_ID_LENGTH} characters`);
  return userId;
}

/** Refuses positional arguments for a command that takes none. */
export function noArguments(command: string, positionals: string[]): void {
  if (positionals.length > 0) throw new UsageError(`${command} takes no arguments, got ${JSON.stringify(positionals[0])}`);
}

/** A string flag's value, or undefined when absent. */
export function stringFlag(values: Record<string, string | boolean | undefined>, name: string): string | undefined {
  const value = values[name];
  return typeof value === 'string' ? value : undefined;
}
