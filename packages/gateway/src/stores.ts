import fs from 'node:fs';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { PGlite } from '@electric-sql/pglite';
import type { MfaLogger } from '@mfakit/core';
import type { FactorStore, StateStore } from '@mfakit/core/store';
import { PostgresFactorStore } from '@mfakit/postgres';
import { RedisStateStore } from '@mfakit/redis';
import { Redis } from 'ioredis';
import { Pool } from 'pg';

/** Where the records are kept; see `openStores`. */
export interface StoreConfig {
  /** `REDIS_URL`: MFA sessions, challenges, counters and locks in Redis. Unset: in memory. */
  redisUrl?: string;
  /** `DATABASE_URL`: factors and recovery codes in PostgreSQL. Unset: PGlite under `dataDir`. */
  databaseUrl?: string;
  /** `MFA_DATA_DIR`: the folder of the embedded database (and its development key). */
  dataDir: string;
  /** `MFA_ENCRYPTION_KEYS`, when set. */
  encryptionKeys?: string;
}

/** The stores opened, the encryption keys to use with them, and how to close them. */
export interface OpenedStores {
  /** What `createMfa` and `createGateway` take as `stores`. */
  stores: {
    /** PostgreSQL, or PGlite. */
    factors: FactorStore;
    /** Redis; absent: the core's memory store. */
    state?: StateStore;
  };
  /** `MFA_ENCRYPTION_KEYS`, or the development key kept in the data folder. */
  encryptionKeys: string;
  /** One line for the start-up message, e.g. 'factors in PGlite at .demo-data/express, state in memory'. */
  description: string;
  /** Closes what was opened (connections, the embedded database and its lock). */
  close(): Promise<void>;
}

/** How long one Redis command may take before the request answers 503 instead of waiting. */
const REDIS_COMMAND_TIMEOUT_MS = 1000;
const DEVELOPMENT_KEY_FILE = 'encryption-key';

/**
 * Opens the stores of the gateway and the demos from their environment. Factors: PostgreSQL at DATABASE_URL, or PGlite in `dataDir` (kept
 * across restarts, one process at a time); both migrated here. State: Redis at REDIS_URL, or the
 * core's memory store. Without MFA_ENCRYPTION_KEYS (development only; the gateway and the demos
 * refuse it with DATABASE_URL), the secrets are encrypted under a key made once and kept in `dataDir` beside them,
 * so enrollments survive a restart. Rejects, having closed what it opened, when a store does not answer.
 *
 * @example
 * const opened = await openStores({ redisUrl: process.env.REDIS_URL, databaseUrl: process.env.DATABASE_URL, dataDir: '.data' }, console);
 * const mfa = createMfa({ issuer: 'Acme', stores: opened.stores, encryptionKeys: opened.encryptionKeys });
 */
export async function openStores(config: StoreConfig, logger: MfaLogger): Promise<OpenedStores> {
  const closers: (() => Promise<void>)[] = [];
  const close = async () => {
    for (const closeOne of closers.reverse()) await closeOne().catch(() => undefined);
  };
  try {
    const factors = config.databaseUrl ? await postgresFactors(config.databaseUrl, logger, closers) : await pgliteFactors(config.dataDir, closers);
    const state = config.redisUrl ? await redisState(config.redisUrl, logger, closers) : undefined;
    const encryptionKeys = config.encryptionKeys ?? developmentKey(config.dataDir, logger);
    const description = `factors in ${config.databaseUrl ? 'PostgreSQL' : `PGlite at ${config.dataDir}`}, state in ${config.redisUrl ? 'Redis' : 'memory'}`;
    return { stores: state ? { factors, state } : { factors }, encryptionKeys, description, close };
  } catch (err) {
    await close();
    throw err;
  }
}

async function postgresFactors(url: string, logger: MfaLogger, closers: (() => Promise<void>)[]): Promise<FactorStore> {
  const pool = new Pool({ connectionString: url, max: 10, connectionTimeoutMillis: 2000, query_timeout: 5000 });
  pool.on('error', (err) => logger.error(`PostgreSQL connection failed: ${err.message}`)); // an idle client's error must not crash the process
  closers.push(() => pool.end());
  const store = new PostgresFactorStore(pool);
  await store.migrate().catch((err: Error) => {
    throw new Error(`PostgreSQL at DATABASE_URL did not answer: ${err.message}`);
  });
  return store;
}

async function pgliteFactors(dataDir: string, closers: (() => Promise<void>)[]): Promise<FactorStore> {
  fs.mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  releaseOnExit(claimDataDir(dataDir), closers);
  const db = new PGlite(path.join(dataDir, 'pglite'));
  await db.waitReady;
  closers.push(() => db.close());
  const store = new PostgresFactorStore(db);
  await store.migrate();
  return store;
}

/**
 * PGlite's folder must have one process at a time: a second one on the same folder would corrupt
 * it. A lock file with the owner's pid; a lock left by a process that is gone is taken over.
 */
function claimDataDir(dataDir: string): string {
  const lock = path.join(dataDir, 'pid.lock');
  try {
    fs.writeFileSync(lock, String(process.pid), { flag: 'wx' });
    return lock;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
  }
  const owner = Number(fs.readFileSync(lock, 'utf8'));
  if (Number.isInteger(owner) && owner > 0 && owner !== process.pid && alive(owner)) {
    throw new Error(`another process (pid ${owner}) is using ${dataDir}: stop it, or set MFA_DATA_DIR to another folder (a fleet shares DATABASE_URL instead)`);
  }
  fs.writeFileSync(lock, String(process.pid));
  return lock;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function releaseOnExit(lock: string, closers: (() => Promise<void>)[]): void {
  const release = () => fs.rmSync(lock, { force: true });
  process.once('exit', release);
  closers.push(async () => release());
}

async function redisState(url: string, logger: MfaLogger, closers: (() => Promise<void>)[]): Promise<StateStore> {
  // Fail fast rather than queue: while Redis is away every command rejects at once (or after the
  // timeout when Redis hangs), the core answers 503, and ioredis keeps reconnecting in the background.
  const client = new Redis(url, {
    lazyConnect: true,
    connectTimeout: 2000,
    commandTimeout: REDIS_COMMAND_TIMEOUT_MS,
    maxRetriesPerRequest: 1,
    enableOfflineQueue: false,
    enableAutoPipelining: true, // concurrent requests' checks share one write
    retryStrategy: (attempt) => Math.min(attempt * 100, 1000),
  });
  let status: 'starting' | 'up' | 'down' | 'closing' = 'starting';
  let lastError = 'connection closed';
  client.on('error', (err: Error) => (lastError = err.message));
  client.on('close', () => {
    if (status === 'up') logger.error(`Redis connection lost (${lastError}); MFA answers 503 until it is back`);
    if (status !== 'closing') status = 'down';
  });
  client.on('ready', () => {
    if (status === 'down') logger.warn('Redis is back; MFA serves again');
    status = 'up';
    lastError = 'connection closed';
  });
  closers.push(async () => {
    status = 'closing';
    client.disconnect();
  });
  await client.connect().catch((err: Error) => {
    throw new Error(`Redis at REDIS_URL did not answer: ${err.message}`);
  });
  return new RedisStateStore(client);
}

/**
 * The key protecting the embedded database's secrets when MFA_ENCRYPTION_KEYS is unset: made once,
 * kept (mode 0600) in the data folder. Development only: a key beside the data it protects guards
 * nothing against someone who can read the folder.
 */
function developmentKey(dataDir: string, logger: MfaLogger): string {
  const file = path.join(dataDir, DEVELOPMENT_KEY_FILE);
  try {
    fs.writeFileSync(file, `dev:${randomBytes(32).toString('base64')}`, { flag: 'wx', mode: 0o600 });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
  }
  logger.warn(`MFA_ENCRYPTION_KEYS is not set: secrets are encrypted under a development key kept in ${file}. Set MFA_ENCRYPTION_KEYS outside development.`);
  return fs.readFileSync(file, 'utf8').trim();
}
