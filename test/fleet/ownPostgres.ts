// A PostgreSQL server of a test's own: the machine's `initdb` and `pg_ctl` in a temporary folder,
// on a free port. A test may stop and start it at will; the server at DATABASE_URL, which the other
// test files share (jest runs two at a time), is never touched.
import { execFile, spawnSync } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { Client } from 'pg';
import { freePort } from './harness';

const run = promisify(execFile);

/** Where Debian and Ubuntu install each PostgreSQL version's programs (`<root>/<version>/bin`). */
const DEBIAN_ROOT = '/usr/lib/postgresql';
/** initdb refuses to run as root; as root the server runs as this account (through runuser). */
const SERVER_ACCOUNT = 'postgres';
const START_TIMEOUT_SECONDS = 30;

/**
 * The folder holding `initdb` and `pg_ctl`: PG_BINDIR when set, else the newest version under
 * /usr/lib/postgresql, else what `pg_config --bindir` says; null when none has them.
 */
export function postgresBinaries(): string | null {
  const candidates: string[] = [];
  if (process.env.PG_BINDIR) candidates.push(process.env.PG_BINDIR);
  if (existsSync(DEBIAN_ROOT)) {
    const versions = readdirSync(DEBIAN_ROOT).filter((name) => /^\d+$/.test(name));
    for (const version of versions.sort((x, y) => Number(y) - Number(x))) candidates.push(path.join(DEBIAN_ROOT, version, 'bin'));
  }
  const pgConfig = spawnSync('pg_config', ['--bindir'], { encoding: 'utf8' });
  if (pgConfig.status === 0) candidates.push(pgConfig.stdout.trim());
  return candidates.find((dir) => existsSync(path.join(dir, 'initdb')) && existsSync(path.join(dir, 'pg_ctl'))) ?? null;
}

/** The uid and gid of the server's account when this process is root (which initdb refuses), else null. */
function serverAccount(): { uid: number; gid: number } | null {
  if (process.getuid?.() !== 0) return null;
  const id = (flag: string) => Number(spawnSync('id', [flag, SERVER_ACCOUNT], { encoding: 'utf8' }).stdout.trim());
  return { uid: id('-u'), gid: id('-g') };
}

/**
 * What a test of its own PostgreSQL server needs and this machine lacks, each with how to get it:
 * for the skip (a failure under CI) of `whenServices`.
 */
export function ownPostgresMissing(): string[] {
  const missing: string[] = [];
  if (postgresBinaries() === null) missing.push('initdb and pg_ctl (apt-get install postgresql, or set PG_BINDIR)');
  if (process.getuid?.() === 0) {
    if (spawnSync('id', ['-u', SERVER_ACCOUNT]).status !== 0) missing.push(`an account named ${SERVER_ACCOUNT} to run PostgreSQL as (initdb refuses root)`);
    if (spawnSync('runuser', ['--help']).status !== 0) missing.push('runuser (util-linux), to run PostgreSQL as that account');
  }
  return missing;
}

/**
 * A PostgreSQL server in a temporary folder, listening on 127.0.0.1 only, trusting local
 * connections (it holds nothing but a test's records). `stop()` is a clean shutdown (`pg_ctl stop
 * -m fast`: sessions are cut, open transactions roll back) and `start()` brings it back on the same
 * port with the same data, as an operator's restart does.
 */
export class OwnPostgres {
  private constructor(
    private readonly bin: string,
    private readonly dir: string,
    readonly port: number,
  ) {}

  /** The database URL of the server's `postgres` database, for DATABASE_URL. */
  get url(): string {
    return `postgres://postgres@127.0.0.1:${this.port}/postgres`;
  }

  /** Makes a cluster (initdb) in a new temporary folder and starts it on a free port. */
  static async start(): Promise<OwnPostgres> {
    const bin = postgresBinaries();
    if (bin === null) throw new Error('initdb and pg_ctl not found: set PG_BINDIR');
    const dir = mkdtempSync(path.join(tmpdir(), 'mfakit-pg-'));
    const account = serverAccount();
    if (account) chownSync(dir, account.uid, account.gid);
    const server = new OwnPostgres(bin, dir, await freePort());
    await server.pg('initdb', ['-D', server.dataDir, '-U', 'postgres', '--auth=trust', '--no-locale', '-E', 'UTF8', '--no-sync', '--no-instructions']);
    await server.start();
    return server;
  }

  private get dataDir(): string {
    return path.join(this.dir, 'data');
  }

  /** Starts the server and waits until it accepts connections. */
  async start(): Promise<void> {
    const options = `-p ${this.port} -k ${this.dir} -c listen_addresses=127.0.0.1`;
    await this.pg('pg_ctl', ['-D', this.dataDir, '-l', path.join(this.dir, 'server.log'), '-o', options, '-w', '-t', String(START_TIMEOUT_SECONDS), 'start']);
  }

  /** Shuts the server down (`-m fast`: connections cut, open transactions rolled back) and waits until it is gone. */
  async stop(): Promise<void> {
    await this.pg('pg_ctl', ['-D', this.dataDir, '-m', 'fast', '-w', 'stop']);
  }

  /** Stops the server if it runs and deletes its folder. */
  async close(): Promise<void> {
    await this.stop().catch(() => undefined); // already stopped
    rmSync(this.dir, { recursive: true, force: true });
  }

  /** Runs one query on the server's `postgres` database and returns its rows. */
  async query<Row>(sql: string): Promise<Row[]> {
    const client = new Client({ connectionString: this.url });
    await client.connect();
    try {
      return (await client.query(sql)).rows as Row[];
    } finally {
      await client.end();
    }
  }

  /** Runs one of PostgreSQL's programs, as the server's account when this process is root. */
  private async pg(program: string, args: string[]): Promise<void> {
    const file = path.join(this.bin, program);
    const [command, argv] = serverAccount() ? ['runuser', ['-u', SERVER_ACCOUNT, '--', file, ...args]] : [file, args];
    try {
      await run(command, argv, { cwd: this.dir, timeout: (START_TIMEOUT_SECONDS + 10) * 1000 });
    } catch (err) {
      const { stderr, stdout } = err as { stderr?: string; stdout?: string };
      throw new Error(`${program} failed (its log: ${path.join(this.dir, 'server.log')}): ${stderr || stdout || (err as Error).message}`);
    }
  }
}
