// A real fleet for the tests in this folder: demo instances started as their own processes (the
// README's `pnpm start`, through tsx), sharing a Redis server of the test's own and a PostgreSQL
// database made for the test and dropped afterwards.
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { systemClock } from '@mfakit/core';
import { postgresAnswers, totpCode, whenServices } from '@mfakit/testing';
import { Redis } from 'ioredis';
import { Client } from 'pg';

const ROOT = path.join(__dirname, '..', '..');
export const DATABASE_URL = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

/**
 * Registers the file's tests when what the fleet tests need but cannot start themselves is there:
 * a `redis-server` binary (each test runs its own server) and PostgreSQL answering at
 * DATABASE_URL. Otherwise a skip that names what is missing (a failure under CI).
 */
export function withFleetServices(suite: () => void): void {
  const missing: string[] = [];
  if (spawnSync('redis-server', ['--version']).status !== 0) missing.push('the redis-server binary (apt-get install redis-server)');
  if (!postgresAnswers(DATABASE_URL)) missing.push(`PostgreSQL at DATABASE_URL (${DATABASE_URL}), which must let the tests CREATE DATABASE`);
  whenServices('the fleet tests', missing, suite);
}

/** A free TCP port on loopback, for a server started right after. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
    server.on('error', reject);
  });
}

async function waitFor(what: string, ready: () => Promise<boolean>, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await ready().catch(() => false)) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`${what} did not come up within ${timeoutMs} ms`);
}

/**
 * A redis-server of the test's own, on its own port, so that stopping it touches no other test.
 * It keeps an append-only file in a temporary folder, so a restart finds the sessions again.
 */
export class OwnRedis {
  private process: ChildProcess | undefined;
  private readonly dir = mkdtempSync(path.join(tmpdir(), 'mfakit-redis-'));
  private constructor(readonly port: number) {}

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  static async start(): Promise<OwnRedis> {
    const redis = new OwnRedis(await freePort());
    await redis.start();
    return redis;
  }

  async start(): Promise<void> {
    const args = ['--port', String(this.port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'yes', '--appendfsync', 'always', '--dir', this.dir];
    const child = spawn('redis-server', args, { stdio: 'ignore' });
    this.process = child;
    await waitFor(`redis-server on port ${this.port}`, () => this.ping());
  }

  /** Shuts the server down (it writes its data first) and waits until it is gone. */
  async stop(): Promise<void> {
    const child = this.process;
    if (!child || child.exitCode !== null) return;
    this.process = undefined;
    await new Promise((resolve) => {
      child.once('exit', resolve);
      child.kill('SIGTERM');
    });
  }

  /**
   * Restarts the server without its data, as a Redis without persistence (or a replacement)
   * comes back: stopped, its files deleted, started empty on the same port.
   */
  async restartEmpty(): Promise<void> {
    await this.stop();
    rmSync(this.dir, { recursive: true, force: true });
    mkdirSync(this.dir);
    await this.start();
  }

  /** Freezes the server: connections stay open but nothing answers (a hung Redis). */
  pause(): void {
    this.process?.kill('SIGSTOP');
  }

  resume(): void {
    this.process?.kill('SIGCONT');
  }

  async close(): Promise<void> {
    this.resume();
    await this.stop();
    rmSync(this.dir, { recursive: true, force: true });
  }

  /** A client for reading the server directly. */
  client(): Redis {
    return new Redis(this.url, { maxRetriesPerRequest: 1 });
  }

  private async ping(): Promise<boolean> {
    const client = new Redis(this.url, { lazyConnect: true, connectTimeout: 500, maxRetriesPerRequest: 0, retryStrategy: () => null });
    client.on('error', () => {});
    try {
      await client.connect();
      return (await client.ping()) === 'PONG';
    } finally {
      client.disconnect();
    }
  }
}

/** A PostgreSQL database made for one test file on the server at DATABASE_URL, dropped by `drop()`. */
export class OwnDatabase {
  private constructor(
    readonly name: string,
    readonly url: string,
  ) {}

  static async create(): Promise<OwnDatabase> {
    const name = `mfakit_fleet_${randomBytes(6).toString('hex')}`;
    await OwnDatabase.admin(`CREATE DATABASE ${name}`);
    const url = new URL(DATABASE_URL);
    url.pathname = `/${name}`;
    return new OwnDatabase(name, url.toString());
  }

  async drop(): Promise<void> {
    await OwnDatabase.admin(`DROP DATABASE IF EXISTS ${this.name} WITH (FORCE)`);
  }

  /** Runs one query on this database and returns its rows. */
  async query<Row>(sql: string): Promise<Row[]> {
    const client = new Client({ connectionString: this.url });
    await client.connect();
    try {
      return (await client.query(sql)).rows as Row[];
    } finally {
      await client.end();
    }
  }

  private static async admin(sql: string): Promise<void> {
    const client = new Client({ connectionString: DATABASE_URL });
    await client.connect();
    try {
      await client.query(sql);
    } finally {
      await client.end();
    }
  }
}

/** What every instance of one fleet shares: the stores, and the secrets that make them interchangeable. */
export function fleetEnv(redis: OwnRedis, database: { url: string }): NodeJS.ProcessEnv {
  return {
    REDIS_URL: redis.url,
    DATABASE_URL: database.url,
    JWT_SECRET: randomBytes(32).toString('base64'),
    MFA_ENCRYPTION_KEYS: `k1:${randomBytes(32).toString('base64')}`,
  };
}

export type Framework = 'express' | 'koa' | 'fastify' | 'nestjs';

/** One demo instance: its own process and port, started as `pnpm start` starts it. */
export class DemoInstance {
  /** Everything the process wrote, for the failure message and for the secret-in-log checks. */
  output = '';
  private constructor(
    private readonly child: ChildProcess,
    readonly url: string,
  ) {}

  /**
   * Starts the demo of `framework` in its folder. `options.entry` runs another script there instead
   * of `src/server.ts` (one that wraps it, e.g. bench/load/lib/instance.ts), still under tsx.
   */
  static async start(framework: Framework, env: NodeJS.ProcessEnv, options: { entry?: string } = {}): Promise<DemoInstance> {
    const cwd = path.join(ROOT, 'examples', framework);
    const child = spawn(process.execPath, ['--import', 'tsx', options.entry ?? 'src/server.ts'], {
      cwd,
      env: { PATH: process.env.PATH, NODE_ENV: 'development', PORT: '0', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    const url = await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`the ${framework} demo did not start within 60 s:\n${output}`)), 60_000);
      const read = (chunk: Buffer) => {
        output += chunk.toString();
        const match = /on (http:\/\/localhost:\d+)/.exec(output);
        if (match) {
          clearTimeout(timer);
          resolve(match[1]!);
        }
      };
      child.stdout!.on('data', read);
      child.stderr!.on('data', read);
      child.once('exit', (code) => {
        clearTimeout(timer);
        reject(new Error(`the ${framework} demo exited with ${code} before it served:\n${output}`));
      });
    });
    const instance = new DemoInstance(child, url);
    instance.output = output;
    const keep = (chunk: Buffer) => (instance.output += chunk.toString());
    child.stdout!.on('data', keep);
    child.stderr!.on('data', keep);
    return instance;
  }

  /** The process's id, e.g. to read its memory and CPU time from /proc. */
  get pid(): number {
    return this.child.pid!;
  }

  /** False once the process has exited, for whatever reason. */
  get running(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  async stop(): Promise<void> {
    if (!this.running) return;
    await new Promise((resolve) => {
      this.child.once('exit', resolve);
      this.child.kill('SIGTERM');
    });
  }

  /**
   * A JSON request; answers the status, the parsed body and the headers. Gives up after 10 s: an
   * instance that leaves a request hanging that long fails the test instead of stalling it.
   */
  async send(method: string, route: string, options: { token?: string; session?: string; body?: unknown } = {}): Promise<Answer> {
    const headers: Record<string, string> = {};
    if (options.token) headers.authorization = `Bearer ${options.token}`;
    if (options.session) headers['x-session-token'] = options.session;
    if (options.body !== undefined) headers['content-type'] = 'application/json';
    const response = await fetch(this.url + route, { method, headers, body: options.body === undefined ? undefined : JSON.stringify(options.body), signal: AbortSignal.timeout(10_000) });
    const text = await response.text();
    return { status: response.status, body: text ? (JSON.parse(text) as Record<string, unknown>) : {}, headers: response.headers };
  }

  /** Signs `user` in (password `<user>-password`) and answers the access token. */
  async login(user: string): Promise<string> {
    const answer = await this.send('POST', '/auth/login', { body: { username: user, password: `${user}-password` } });
    if (answer.status !== 200) throw new Error(`login of ${user} failed: ${answer.status} ${JSON.stringify(answer.body)}`);
    return answer.body.accessToken as string;
  }

  /** Enrolls an authenticator app for the signed-in user; answers its secret, the first session and the recovery codes. */
  async enrollTotp(token: string): Promise<{ factorId: string; secret: string; session: string; recoveryCodes: string[] }> {
    const started = await this.send('POST', '/mfa/totp', { token });
    if (started.status !== 201 && started.status !== 200) throw new Error(`enrollment failed: ${started.status} ${JSON.stringify(started.body)}`);
    const { factorId, secret } = started.body as { factorId: string; secret: string };
    const confirmed = await this.send('POST', `/mfa/totp/${factorId}/confirm`, { token, body: { code: totpCode(secret, systemClock) } });
    if (confirmed.status !== 200) throw new Error(`confirmation failed: ${confirmed.status} ${JSON.stringify(confirmed.body)}`);
    const { session, recoveryCodes } = confirmed.body as { session: { sessionToken: string }; recoveryCodes: string[] };
    return { factorId, secret, session: session.sessionToken, recoveryCodes };
  }
}

export interface Answer {
  status: number;
  body: Record<string, unknown>;
  headers: Headers;
}

/** One Express demo on a Redis and a database of its own, for the tests of a describe block: started before them, stopped after. */
export interface OwnFleet {
  redis: OwnRedis;
  database: OwnDatabase;
  demo: DemoInstance;
}

/** Starts an {@link OwnFleet} before the block's tests and stops it after; read its fields inside tests. */
export function useOwnFleet(): OwnFleet {
  const fleet = {} as OwnFleet;
  beforeAll(async () => {
    [fleet.redis, fleet.database] = await Promise.all([OwnRedis.start(), OwnDatabase.create()]);
    fleet.demo = await DemoInstance.start('express', fleetEnv(fleet.redis, fleet.database));
  }, 90_000);
  afterAll(async () => {
    await fleet.demo?.stop();
    await Promise.all([fleet.redis?.close(), fleet.database?.drop()]);
  }, 30_000);
  return fleet;
}
