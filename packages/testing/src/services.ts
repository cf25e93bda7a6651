import { spawnSync } from 'node:child_process';

/**
 * True when the run is CI's (`CI` set to anything but '', 'false' or '0'): there a service a
 * suite needs must be there, and its absence fails the run.
 */
export const IN_CI = ((value) => value !== undefined && !['', 'false', '0'].includes(value.toLowerCase()))(process.env.CI);

/**
 * Registers `suite` when nothing it needs is missing. Otherwise the suite cannot run here, and
 * says so honestly: under CI one test fails, naming what is missing (a missing service is never a
 * pass there); elsewhere one test is reported as skipped, its title naming what is missing.
 *
 * @param name - What cannot run, e.g. 'the RedisStateStore suites'.
 * @param missing - What is missing, each with how to get it; empty when all is there.
 * @param suite - The tests, registered as usual.
 * @example
 * whenServices('the Redis suites', redisAnswers(REDIS_URL) ? [] : [`Redis at ${REDIS_URL}`], () => { ... });
 */
export function whenServices(name: string, missing: string[], suite: () => void): void {
  if (missing.length === 0) {
    suite();
    return;
  }
  const reason = `${name} need ${missing.join(' and ')}`;
  if (IN_CI) {
    test(`${name}: their services answer (required when CI is set)`, () => {
      throw new Error(`${reason}.`);
    });
    return;
  }
  // Reported as skipped, with the reason as its title: this run did not test it, and says so.
  const skipped = test.skip;
  skipped(`${reason} (skipped here: not reachable)`, () => {});
}

/**
 * Whether a PostgreSQL server answers `SELECT 1` at `url`. Jest collects tests synchronously, so a
 * child process makes a real connection (not just a port check) and the answer is waited for.
 */
export function postgresAnswers(url: string): boolean {
  const probe = `const { Client } = require(${JSON.stringify(require.resolve('pg'))});
    const c = new Client({ connectionString: process.env.PROBE_URL, connectionTimeoutMillis: 3000 });
    c.connect().then(() => c.query('SELECT 1')).then(() => c.end()).then(() => process.exit(0), () => process.exit(1));`;
  return spawnSync(process.execPath, ['-e', probe], { env: { ...process.env, PROBE_URL: url }, timeout: 10_000, stdio: 'ignore' }).status === 0;
}

/**
 * Whether Redis answers PING at `url`, asked the same way from a child process (10 s at most: on a
 * busy machine starting Node and loading ioredis alone can take seconds).
 */
export function redisAnswers(url: string): boolean {
  const probe = `const { Redis } = require(${JSON.stringify(require.resolve('ioredis'))});
    const r = new Redis(process.env.PROBE_URL, { lazyConnect: true, connectTimeout: 3000, commandTimeout: 3000, maxRetriesPerRequest: 0, retryStrategy: () => null });
    r.on('error', () => {});
    r.ping().then((p) => { r.disconnect(); process.exit(p === 'PONG' ? 0 : 1); }, () => process.exit(1));`;
  return spawnSync(process.execPath, ['-e', probe], { env: { ...process.env, PROBE_URL: url }, timeout: 10_000, stdio: 'ignore' }).status === 0;
}
