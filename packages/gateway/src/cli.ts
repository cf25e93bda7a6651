import path from 'node:path';
import { parseArgs } from 'node:util';
import { checkReport } from './check';
import { ConfigError, loadConfig } from './config';
import { createGateway } from './server';
import { openStores } from './stores';
import { devToken } from './tokens';
import type { GatewayConfig } from './types';

const USAGE = `Usage:
  mfakit-gateway --config <file>                  start the gateway
  mfakit-gateway check --config <file>            check the file, print its rules and warnings
  mfakit-gateway token --config <file> --sub <user> [--roles a,b] [--amr pwd,otp] [--expires-in 1h]
                                                  print a development token (tokens.secret only)

Environment: PORT (overrides the port of listen), MFA_ENCRYPTION_KEYS, REDIS_URL, DATABASE_URL,
MFA_DATA_DIR. In the file, \${NAME} is replaced by the environment variable NAME.`;

/** What a command writes, and where (replaced in tests). */
export interface Io {
  out(line: string): void;
  err(line: string): void;
  env: NodeJS.ProcessEnv;
}

const processIo: Io = { out: (line) => console.log(line), err: (line) => console.error(line), env: process.env };

/**
 * The `mfakit-gateway` command: starts the gateway (and keeps running until SIGINT or SIGTERM),
 * or runs `check` or `token`. Resolves to the exit status of `check` and `token`, and of a start
 * that failed; sets `process.exitCode` too.
 *
 * @example
 * // bin/mfakit-gateway.js
 * require('../dist/cli.js').main(process.argv.slice(2));
 */
export async function main(argv: string[], io: Io = processIo): Promise<number> {
  const status = await run(argv, io).catch((err: unknown) => {
    io.err(err instanceof ConfigError ? err.message : `mfakit-gateway: ${err instanceof Error ? err.message : String(err)}`);
    return err instanceof ConfigError ? 2 : 1;
  });
  process.exitCode = status;
  return status;
}

async function run(argv: string[], io: Io): Promise<number> {
  const command = argv[0] === 'check' || argv[0] === 'token' ? argv[0] : 'start';
  const { values } = parseArgs({
    args: command === 'start' ? argv : argv.slice(1),
    options: {
      config: { type: 'string', short: 'c' },
      sub: { type: 'string' },
      roles: { type: 'string' },
      amr: { type: 'string' },
      'expires-in': { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
    strict: true,
  });
  if (values.help) {
    io.out(USAGE);
    return 0;
  }
  if (!values.config) {
    io.err(`mfakit-gateway: --config <file> is required.\n\n${USAGE}`);
    return 2;
  }
  const config = loadConfig(values.config, io.env);
  if (command === 'check') {
    io.out(`${config.file} is valid.\n\n${checkReport(config)}`);
    return 0;
  }
  if (command === 'token') {
    if (!values.sub) {
      io.err('mfakit-gateway token: --sub <user> is required.');
      return 2;
    }
    const list = (value: string | undefined) =>
      value
        ?.split(',')
        .map((item) => item.trim())
        .filter(Boolean);
    const roles = list(values.roles);
    const amr = list(values.amr);
    io.out(await devToken(config.tokens, { sub: values.sub, ...(roles ? { roles } : {}), ...(amr ? { amr } : {}), ...(values['expires-in'] ? { expiresIn: values['expires-in'] } : {}) }));
    return 0;
  }
  await start(config, io);
  return 0;
}

/** Opens the stores, builds the gateway, listens, prints where, and closes everything on SIGINT or SIGTERM. */
async function start(config: GatewayConfig, io: Io): Promise<void> {
  const logger = { warn: (message: string) => io.err(`[mfakit-gateway] ${message}`), error: (message: string) => io.err(`[mfakit-gateway] ${message}`) };
  const encryptionKeys = config.mfa.encryptionKeys; // the file's, else MFA_ENCRYPTION_KEYS (loadConfig)
  const databaseUrl = nonEmpty(io.env.DATABASE_URL);
  const redisUrl = nonEmpty(io.env.REDIS_URL);
  if (!encryptionKeys && (databaseUrl || io.env.NODE_ENV === 'production')) {
    throw new Error(
      `MFA_ENCRYPTION_KEYS (or encryption_keys in the file) is required ${databaseUrl ? 'with DATABASE_URL, so that every gateway reads the same secrets' : 'when NODE_ENV=production'} (e.g. MFA_ENCRYPTION_KEYS=k1:$(openssl rand -base64 32))`,
    );
  }
  if (databaseUrl && !redisUrl) logger.warn('DATABASE_URL without REDIS_URL: sessions, used codes and lockouts stay in this process. Set REDIS_URL for more than one gateway.');
  const opened = await openStores({ dataDir: config.dataDir, ...(databaseUrl ? { databaseUrl } : {}), ...(redisUrl ? { redisUrl } : {}), ...(encryptionKeys ? { encryptionKeys } : {}) }, logger);
  let gateway: Awaited<ReturnType<typeof createGateway>>;
  try {
    gateway = await createGateway(config, { stores: opened.stores, encryptionKeys: opened.encryptionKeys, logger });
    await gateway.app.listen({ host: config.listen.host, port: config.listen.port });
  } catch (err) {
    await opened.close();
    throw err;
  }
  const address = gateway.app.server.address();
  const url = typeof address === 'object' && address ? `http://${address.family === 'IPv6' ? `[${address.address}]` : address.address}:${address.port}` : String(address);
  io.out(
    `mfakit-gateway on ${url}: ${config.upstream ? `forwarding to ${config.upstream}` : 'forward-auth only (no upstream)'}; ` +
      `${config.rules.length} rules, default ${config.defaultPolicy}; MFA routes at ${url}${config.mfaPath}; ${opened.description}.`,
  );
  if (config.tokens.secret) {
    // As the person started it: `pnpm gateway` in the mfakit repository, the bin elsewhere.
    const command = io.env.npm_lifecycle_event === 'gateway' ? 'pnpm -s gateway' : 'mfakit-gateway';
    io.out(`Tokens are HS256 with tokens.secret (development): get one with: ${command} token --config ${path.relative(process.cwd(), config.file) || config.file} --sub alice`);
  }
  const stop = () => {
    void gateway
      .close()
      .then(opened.close)
      .finally(() => process.exit(0));
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

const nonEmpty = (value: string | undefined) => (value?.trim() ? value.trim() : undefined);

if (require.main === module) void main(process.argv.slice(2));
