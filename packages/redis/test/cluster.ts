// A real Redis Cluster for the tests in this folder: three primaries and three replicas, each a
// redis-server of the test's own on free loopback ports, with its files in a temporary folder,
// joined by `redis-cli --cluster create` and stopped (processes killed, folder removed) by `stop()`.
import { type ChildProcess, execFile, spawn, spawnSync } from 'node:child_process';
import { randomInt } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { whenServices } from '@mfakit/testing';
import { Cluster, type ClusterOptions, Redis } from 'ioredis';

const HOST = '127.0.0.1';
const NODES = 6; // three primaries, each with one replica
const SLOTS = 16_384; // every hash slot of a Redis Cluster
// A node's cluster bus listens on its port + 10000. Ports from 20000 to 22767 keep both below the
// range the kernel hands out for outgoing connections (32768 and up on Linux).
const FIRST_PORT = 20_000;
const PORT_CHOICES = 2_768;
const BUS_OFFSET = 10_000;
const START_ATTEMPTS = 3; // a port taken between the probe and the server's bind: try other ports

/**
 * Registers `suite` when the binaries a test cluster is made of are on the PATH; otherwise a skip
 * that names them (a failure under CI), as `whenServices` of `@mfakit/testing` does.
 *
 * @example
 * withClusterBinaries(() => { test('...', async () => { ... }); });
 */
export function withClusterBinaries(suite: () => void): void {
  const missing = ['redis-server', 'redis-cli'].filter((bin) => spawnSync(bin, ['--version']).status !== 0).map((bin) => `the ${bin} binary (apt-get install redis-server)`);
  whenServices('the Redis Cluster suites', missing, suite);
}

/** One node of the cluster as `CLUSTER NODES` describes it. */
export interface ClusterNode {
  id: string;
  port: number;
  /** A primary (`master`), as opposed to a replica. */
  primary: boolean;
  /** The slot ranges it serves, both ends included. */
  slots: [number, number][];
}

/** Options of {@link LocalRedisCluster.start}. */
export interface LocalClusterOptions {
  /**
   * `cluster-node-timeout`: how long a node may not answer before it counts as failed and its
   * replica takes over. Small for a quick failover test; too small on a loaded machine makes
   * failovers nobody caused.
   * @default 5000
   */
  nodeTimeoutMs?: number;
}

/**
 * Three primaries and three replicas on loopback, with `cluster-require-full-coverage no` (a
 * failed shard does not stop the others; the README recommends it) and no persistence.
 *
 * @example
 * const local = await LocalRedisCluster.start({ nodeTimeoutMs: 1000 });
 * const client = local.client({ redisOptions: { commandTimeout: 1000 } });
 * // ...
 * await client.quit();
 * await local.stop();
 */
export class LocalRedisCluster {
  private readonly processes = new Map<number, ChildProcess>();
  private readonly admins = new Map<number, Redis>();
  private readonly killed = new Set<number>();
  private readonly killAll = () => {
    for (const child of this.processes.values()) child.kill('SIGKILL');
  };

  private constructor(
    /** The nodes' ports, in the order `redis-cli --cluster create` was given them. */
    readonly ports: number[],
    private readonly dir: string,
    private readonly nodeTimeoutMs: number,
  ) {}

  /** Starts the six servers, joins them into a cluster and waits until every slot is served and every replica in sync. */
  static async start(options: LocalClusterOptions = {}): Promise<LocalRedisCluster> {
    for (let attempt = 1; ; attempt++) {
      const ports = await freePorts(NODES);
      const cluster = new LocalRedisCluster(ports, mkdtempSync(path.join(tmpdir(), 'mfakit-cluster-')), options.nodeTimeoutMs ?? 5000);
      try {
        await cluster.create();
        return cluster;
      } catch (err) {
        await cluster.stop();
        if (attempt === START_ATTEMPTS) throw err;
      }
    }
  }

  /** Where a client starts: every node (ioredis learns the rest from the first that answers). */
  get startupNodes(): { host: string; port: number }[] {
    return this.ports.map((port) => ({ host: HOST, port }));
  }

  /**
   * An ioredis Cluster client on this cluster; the caller quits it. Its `disconnectTimeout` is
   * short: ioredis waits that long for a connection it dropped to close, and one it had opened to
   * a killed node never says so, which would keep the test process alive for 2 s.
   */
  client(options: ClusterOptions = {}): Cluster {
    const client = new Cluster(this.startupNodes, { ...options, redisOptions: { disconnectTimeout: 100, ...options.redisOptions } });
    client.on('error', () => {}); // a killed node is the point of some tests; their commands carry the errors
    return client;
  }

  /** The cluster as a live node sees it. */
  async topology(): Promise<ClusterNode[]> {
    const nodes = String(await this.admin(this.livePorts()[0]!).cluster('NODES'));
    return nodes.trim().split('\n').map(parseNode);
  }

  /** The node serving `slot` as a live node sees it. */
  async ownerOf(slot: number): Promise<ClusterNode> {
    const owner = (await this.topology()).find((node) => node.primary && node.slots.some(([from, to]) => from <= slot && slot <= to));
    if (!owner) throw new Error(`no node serves slot ${slot}`);
    return owner;
  }

  /** Kills the node on `port` at once (SIGKILL): no goodbye to the cluster, unreplicated writes lost. */
  kill(port: number): void {
    this.killed.add(port);
    this.admins.get(port)?.disconnect();
    this.admins.delete(port);
    this.processes.get(port)?.kill('SIGKILL');
  }

  /**
   * Waits until `slot` is served by a live node (after a kill: the replica of the killed primary,
   * promoted) and every live node says the cluster is ok with all slots served.
   * @returns The node that serves `slot`.
   */
  async waitForTakeover(slot: number, timeoutMs = 20_000): Promise<ClusterNode> {
    const deadline = Date.now() + timeoutMs;
    await waitFor(`a live node to serve slot ${slot}`, deadline, async () => !this.killed.has((await this.ownerOf(slot)).port));
    await this.waitUntilHealthy(deadline);
    return this.ownerOf(slot);
  }

  /** Kills every server, waits until they are gone, and removes the folder. */
  async stop(): Promise<void> {
    process.off('exit', this.killAll);
    await Promise.all([...this.admins.values()].map((admin) => admin.quit().catch(() => admin.disconnect()))); // a QUIT closes at once; a disconnect would wait for the server to hang up
    this.admins.clear();
    await Promise.all(
      [...this.processes.values()].map(
        (child) =>
          new Promise<void>((resolve) => {
            if (child.exitCode !== null || child.signalCode !== null) return resolve();
            child.once('exit', () => resolve());
            child.kill('SIGKILL');
          }),
      ),
    );
    this.processes.clear();
    rmSync(this.dir, { recursive: true, force: true });
  }

  private async create(): Promise<void> {
    process.on('exit', this.killAll); // a test run that dies leaves no servers behind
    for (const port of this.ports) this.processes.set(port, this.spawnNode(port));
    const deadline = Date.now() + 10_000;
    await Promise.all(this.ports.map((port) => waitFor(`redis-server on port ${port} (see its log in ${this.dir})`, deadline, async () => (await this.admin(port).ping()) === 'PONG')));
    const addresses = this.ports.map((port) => `${HOST}:${port}`);
    await promisify(execFile)('redis-cli', ['--cluster', 'create', ...addresses, '--cluster-replicas', '1', '--cluster-yes'], { timeout: 30_000 });
    await this.waitUntilHealthy(Date.now() + 20_000);
  }

  private spawnNode(port: number): ChildProcess {
    const args = [
      ...['--port', String(port), '--bind', HOST, '--dir', this.dir, '--logfile', path.join(this.dir, `redis-${port}.log`)],
      ...['--cluster-enabled', 'yes', '--cluster-config-file', path.join(this.dir, `nodes-${port}.conf`), '--cluster-node-timeout', String(this.nodeTimeoutMs)],
      ...['--cluster-require-full-coverage', 'no', '--save', '', '--appendonly', 'no'],
      ...['--repl-diskless-sync-delay', '0'], // a replica's first sync at once, not after 5 s of waiting for more replicas
    ];
    const child = spawn('redis-server', args, { stdio: 'ignore' });
    child.on('error', () => {}); // a missing binary shows as a node that never answers
    return child;
  }

  /** Every live node: `cluster_state:ok`, every slot served, all six nodes known; every live replica's link to its primary up. */
  private async waitUntilHealthy(deadline: number): Promise<void> {
    await waitFor('every slot served and every replica in sync', deadline, async () => {
      const states = await Promise.all(this.livePorts().map((port) => this.nodeHealthy(port)));
      return states.every(Boolean);
    });
  }

  private async nodeHealthy(port: number): Promise<boolean> {
    const admin = this.admin(port);
    const info = fields(String(await admin.cluster('INFO')));
    if (info.cluster_state !== 'ok' || Number(info.cluster_slots_ok) !== SLOTS || Number(info.cluster_known_nodes) !== NODES) return false;
    const replication = fields(await admin.info('replication'));
    return replication.role === 'master' || replication.master_link_status === 'up';
  }

  private livePorts(): number[] {
    return this.ports.filter((port) => !this.killed.has(port));
  }

  /** A plain connection to one node, for asking it about the cluster. */
  private admin(port: number): Redis {
    let admin = this.admins.get(port);
    if (!admin) {
      admin = new Redis({ host: HOST, port, connectTimeout: 1000, commandTimeout: 1000, maxRetriesPerRequest: 0, retryStrategy: () => 100 });
      admin.on('error', () => {}); // asked again until it answers; a failed ask is a "not yet"
      this.admins.set(port, admin);
    }
    return admin;
  }
}

/** One line of `CLUSTER NODES`: `<id> <ip:port@bus> <flags> <primary id or -> <ping> <pong> <epoch> <link> <slots...>`. */
function parseNode(line: string): ClusterNode {
  const [id, address, flags, , , , , , ...slots] = line.split(' ');
  return {
    id: id!,
    port: Number(address!.split('@')[0]!.split(':').pop()),
    primary: flags!.split(',').includes('master'),
    slots: slots
      .filter((range) => !range.startsWith('['))
      .map((range) => {
        const [from, to] = range.split('-').map(Number);
        return [from!, to ?? from!];
      }),
  };
}

/** `name:value` lines (CLUSTER INFO, INFO) as an object. */
function fields(text: string): Record<string, string> {
  return Object.fromEntries(text.split(/\r?\n/).flatMap((line) => (line.includes(':') ? [[line.slice(0, line.indexOf(':')), line.slice(line.indexOf(':') + 1).trim()]] : [])));
}

async function waitFor(what: string, deadline: number, ready: () => Promise<boolean>): Promise<void> {
  while (!(await ready().catch(() => false))) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** `count` distinct ports that are free on loopback, each with its cluster bus port (+10000) free too. */
async function freePorts(count: number): Promise<number[]> {
  const ports = new Set<number>();
  while (ports.size < count) {
    const port = FIRST_PORT + randomInt(PORT_CHOICES);
    if (!ports.has(port) && (await isFree(port)) && (await isFree(port + BUS_OFFSET))) ports.add(port);
  }
  return [...ports];
}

function isFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen(port, HOST, () => server.close(() => resolve(true)));
  });
}
