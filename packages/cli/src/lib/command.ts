import type { ParseArgsConfig } from 'node:util';
import type { Actor, Mfa, UserSource } from '@mfakit/core';

/** What a command gets: the core, the application's users, where to write, and who runs it. */
export interface CommandContext {
  mfa: Mfa;
  listUsers?: () => UserSource | Promise<UserSource>;
  stdout: (text: string) => void;
  stderr: (text: string) => void;
  actor: Actor;
}

/** A command line after `parseArgs`: the flags by name and the positional arguments. */
export interface ParsedArgs {
  values: Record<string, string | boolean | undefined>;
  positionals: string[];
}

/** One subcommand: its flags (for `parseArgs`) and what it does; returns the exit code. */
export interface Command {
  options: NonNullable<ParseArgsConfig['options']>;
  run(args: ParsedArgs, context: CommandContext): Promise<number>;
}
