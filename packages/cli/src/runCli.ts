import os from 'node:os';
import { parseArgs } from 'node:util';
import type { Mfa, UserSource } from '@mfakit/core';
import { exemptCommand } from './commands/exempt';
import { reportCommand } from './commands/report';
import { revokeCommand } from './commands/revoke';
import { rotateKeysCommand } from './commands/rotateKeys';
import { unlockCommand } from './commands/unlock';
import type { Command, ParsedArgs } from './lib/command';
import { EXIT_FAILED, EXIT_OK, EXIT_USAGE } from './lib/exitCodes';
import { printable } from './lib/text';
import { USAGE } from './lib/usage';
import { UsageError } from './lib/usageError';

/**
 * What `runCli` works on and writes to; the caller opens the stores and closes them afterwards.
 * The `mfa` must be built over the application's own durable stores (e.g. `@mfakit/postgres`
 * and `@mfakit/redis`) and its encryption keys: over a `MemoryStore` the commands see nothing,
 * and without the keys `rotate-keys` cannot read the stored secrets.
 *
 * @example
 * const context: CliContext = {
 *   mfa: createMfa({ issuer: 'Acme', encryptionKeys: process.env.MFA_ENCRYPTION_KEYS, stores: { factors, state } }),
 *   stdout: (text) => process.stdout.write(text),
 *   stderr: (text) => process.stderr.write(text),
 *   actor: `cli:${process.env.SUDO_USER ?? 'ops'}`,
 * };
 */
export interface CliContext {
  /** The application's mfa, over the same stores and encryption keys as the application. */
  mfa: Mfa;
  /** The application's users, so that `report` counts those who never came near MFA. @default `undefined`: only users the stores know */
  listUsers?: () => UserSource | Promise<UserSource>;
  /** Where results go (tables, JSON, CSV): text with its own line ends. */
  stdout: (text: string) => void;
  /** Where errors go. */
  stderr: (text: string) => void;
  /** Who the audit events name as having acted. @default `cli:<the operating system's user name>` */
  actor?: string;
}

const COMMANDS: Record<string, Command> = {
  report: reportCommand,
  revoke: revokeCommand,
  unlock: unlockCommand,
  exempt: exemptCommand,
  'rotate-keys': rotateKeysCommand,
};

const HELP_WORDS = new Set(['help', '--help', '-h']);

/**
 * True when `name` is a command that works on the stores (not help, not unknown), so that a
 * caller can open its stores only then.
 * @param name The first word of the command line, e.g. `process.argv[2]`.
 * @returns true for `report`, `revoke`, `unlock`, `exempt` and `rotate-keys`.
 * @example if (!isCliCommand(argv[0])) return runCli(argv, { mfa: storelessMfa, stdout, stderr });
 */
export function isCliCommand(name: string | undefined): boolean {
  return name !== undefined && Object.hasOwn(COMMANDS, name);
}

/**
 * Runs one `mfakit` command line (without `node` and the script: `process.argv.slice(2)`) and
 * returns the exit code: 0 done, 1 could not be done, 2 wrong command line (the message on
 * stderr). Never prints a secret: the report carries no secrets, and errors only their message.
 * A failing command (a store error, an undecryptable secret) is exit code 1 with its message on
 * stderr, not a rejection.
 *
 * The commands: `report [--format table|json|csv]` (CSV per RFC 4180, with spreadsheet formulas
 * neutralised); `revoke <userId>` (every factor, recovery code and MFA session of the user: a
 * lost device, NIST SP 800-63B 6.1.2.3); `unlock <userId>` (clears the user's locks and failure
 * streak, so codes work again after too many wrong ones in a row); `exempt <userId> --reason <text> --until <time>` (at
 * most a year away) or `exempt <userId> --lift`; `rotate-keys` (re-encrypts every stored secret
 * under the first key of `encryptionKeys`: keep the old keys configured until it has run, then
 * they may go). `revoke`, `unlock` and `exempt` emit audit events naming `actor` through the core's
 * `onEvent`: keep them there if you need an audit trail.
 *
 * @param argv `['report', '--format', 'csv']`, `['exempt', 'alice', '--reason', 'lost phone', '--until', '7d']`...
 * @param context the core, the users, the output streams and the actor for the audit events.
 * @returns The exit code: `EXIT_OK` (0), `EXIT_FAILED` (1) or `EXIT_USAGE` (2).
 * @see https://www.rfc-editor.org/rfc/rfc4180 (the CSV of `report`)
 * @example
 * const code = await runCli(process.argv.slice(2), {
 *   mfa,
 *   listUsers: () => db.users.findAll(),
 *   stdout: (text) => process.stdout.write(text),
 *   stderr: (text) => process.stderr.write(text),
 * });
 * process.exitCode = code;
 */
export async function runCli(argv: string[], context: CliContext): Promise<number> {
  const { stdout, stderr } = context;
  const [name, ...rest] = argv;
  if (name === undefined || HELP_WORDS.has(name)) {
    stdout(USAGE);
    return EXIT_OK;
  }
  const command = isCliCommand(name) ? COMMANDS[name] : undefined;
  if (!command) {
    stderr(`mfakit: unknown command ${JSON.stringify(printable(name))}. Run mfakit --help for the commands.\n`);
    return EXIT_USAGE;
  }
  try {
    const args = parse(command, rest);
    if (args.values.help === true) {
      stdout(USAGE);
      return EXIT_OK;
    }
    return await command.run(args, { mfa: context.mfa, listUsers: context.listUsers, stdout, stderr, actor: { by: context.actor ?? defaultActor() } });
  } catch (err) {
    if (err instanceof UsageError) {
      stderr(`mfakit ${name}: ${err.message}\nRun mfakit --help for the usage.\n`);
      return err.exitCode;
    }
    stderr(`mfakit ${name} failed: ${messageOf(err)}\n`);
    return EXIT_FAILED;
  }
}

function parse(command: Command, args: string[]): ParsedArgs {
  try {
    const { values, positionals } = parseArgs({ args, options: { ...command.options, help: { type: 'boolean', short: 'h' } }, allowPositionals: true, strict: true });
    return { values: values as ParsedArgs['values'], positionals };
  } catch (err) {
    // parseArgs throws TypeErrors with codes ERR_PARSE_ARGS_UNKNOWN_OPTION, _INVALID_OPTION_VALUE...
    throw new UsageError(messageOf(err), { cause: err });
  }
}

/** An error's message; duck-typed, as errors from Node's internals may come from another realm. */
function messageOf(err: unknown): string {
  const message = (err as { message?: unknown } | null)?.message;
  return typeof message === 'string' ? message : String(err);
}

/** `cli:<user>` from the operating system, or `cli:unknown` where it has no name for this user. */
function defaultActor(): string {
  try {
    return `cli:${os.userInfo().username}`;
  } catch {
    return 'cli:unknown';
  }
}
