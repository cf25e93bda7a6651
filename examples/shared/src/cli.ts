// `pnpm mfakit <command>`: mfakit's administrator command line over the demo's own stores, and
// `pnpm mfakit routes`, the route table of a demo (routesCommand.ts).
import fs from 'node:fs';
import path from 'node:path';
import { isCliCommand, runCli } from '@mfakit/cli';
import type { MfaLogger } from '@mfakit/core';
import { configFromEnv, type DemoConfig } from './config';
import { demoSetup } from './demo';
import { DEMO_ROUTE_TABLES } from './demoRoutes';
import { ROUTES_USAGE, routesCommand } from './routesCommand';
import { DEMO_DATA_ROOT } from './serve';
import { type DemoStores, openDemoStores } from './stores';
import { listDemoUsers } from './users';

/** The demo whose embedded database the command opens when MFA_DATA_DIR is unset. */
export const CLI_DEFAULT_DEMO = 'express';

const EXIT_FAILED = 1;
const HELP_WORDS = new Set([undefined, 'help', '--help', '-h']);

/** Where the command writes: the process's streams, or a test's buffers. */
export interface CliIo {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
}

const SILENT: MfaLogger = { warn: () => undefined, error: () => undefined };

const processIo: CliIo = { stdout: (text) => process.stdout.write(text), stderr: (text) => process.stderr.write(text) };

/**
 * Runs one `mfakit` command line against the stores the demo uses: reads the demo's variables
 * (configFromEnv: MFA_ENCRYPTION_KEYS, DATABASE_URL, REDIS_URL, MFA_DATA_DIR...), opens the stores
 * as `pnpm start` does (PGlite in `.demo-data/express` by default), builds the demo's mfa, runs
 * the command, closes the stores. `routes [--framework <name>]` opens no store: it prints the
 * route table of a demo built over memory (see routesCommand). Resolves with the exit code.
 */
export async function mfakit(argv: string[], env: NodeJS.ProcessEnv = process.env, io: CliIo = processIo): Promise<number> {
  const logger: MfaLogger = { warn: (message) => io.stderr(`[mfakit] ${message}\n`), error: (message) => io.stderr(`[mfakit] ${message}\n`) };
  if (argv[0] === 'routes') return routesCommand(argv.slice(1), io, DEMO_ROUTE_TABLES);
  // Help and an unknown command need no stores (help must work while the demo holds them): an mfa
  // over memory answers them.
  if (!isCliCommand(argv[0])) {
    const code = await runCli(argv, { mfa: demoSetup({ logger: SILENT }).mfa, ...io });
    if (HELP_WORDS.has(argv[0])) io.stdout(ROUTES_USAGE);
    return code;
  }
  let config: DemoConfig;
  try {
    config = configFromEnv(env, logger.warn);
  } catch (err) {
    io.stderr(`mfakit: ${(err as Error).message}\n`);
    return EXIT_FAILED;
  }
  const dataDir = config.dataDir ?? path.join(DEMO_DATA_ROOT, CLI_DEFAULT_DEMO);
  const holder = config.databaseUrl ? null : demoHolding(dataDir);
  if (holder !== null) {
    io.stderr(
      `mfakit: a demo (pid ${holder}) is running on the embedded database in ${dataDir}, which one process at a time may open. ` +
        'Stop the demo (Ctrl+C) and run the command again, or run the demo and mfakit on shared stores: ' +
        'DATABASE_URL, REDIS_URL and MFA_ENCRYPTION_KEYS set alike for both.\n',
    );
    return EXIT_FAILED;
  }
  let opened: DemoStores;
  try {
    opened = await openDemoStores({ ...config, dataDir }, logger);
  } catch (err) {
    io.stderr(`mfakit: could not open the stores: ${(err as Error).message}\n`);
    return EXIT_FAILED;
  }
  try {
    const { mfa } = demoSetup({
      stores: opened.stores,
      encryptionKeys: opened.encryptionKeys,
      jwtSecret: config.jwtSecret,
      freshMaxAgeSeconds: config.freshMaxAgeSeconds,
      logger,
      webauthn: { rpID: config.webauthn.rpID, origins: config.webauthn.origins ?? [`http://localhost:${config.port}`] },
    });
    return await runCli(argv, { mfa, listUsers: listDemoUsers, ...io });
  } finally {
    await opened.close();
  }
}

/**
 * The pid of a live process holding the PGlite folder's lock (see `claimDataDir` in stores.ts), or
 * null. Checked first so that the message can say what to do; the lock itself still decides.
 */
function demoHolding(dataDir: string): number | null {
  let owner: number;
  try {
    owner = Number(fs.readFileSync(path.join(dataDir, 'pid.lock'), 'utf8'));
  } catch {
    return null;
  }
  if (!Number.isInteger(owner) || owner <= 0 || owner === process.pid) return null;
  try {
    process.kill(owner, 0);
    return owner;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM' ? owner : null;
  }
}

if (require.main === module) {
  mfakit(process.argv.slice(2)).then(
    (code) => (process.exitCode = code),
    (err: unknown) => {
      console.error(`mfakit: ${err instanceof Error ? err.message : String(err)}`);
      process.exitCode = EXIT_FAILED;
    },
  );
}
