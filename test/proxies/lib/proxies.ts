/**
 * Real nginx and Caddy for the tests in this folder: each started on loopback, on a free port, in
 * the foreground, with a temporary folder of its own (no system service), from the example
 * configuration in examples/gateway with its addresses replaced.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import fs from 'node:fs';
import { connect, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';

/** The folder of the example configurations, which are the templates of the proxies started here. */
export const EXAMPLES = path.join(__dirname, '..', '..', '..', 'examples', 'gateway');

/** How to get a proxy: Debian's package, installed without starting its service (as .ci/run does). */
export const installHint = (name: string) => `apt-get install -y ${name}, with a /usr/sbin/policy-rc.d that exits 101 so that apt starts no service; .ci/run does both`;

const START_TIMEOUT_MS = 10_000;
const POLL_MS = 50;
// Where Debian puts nginx, in case PATH (a non-root user's) lacks the sbin folders.
const SBIN = ['/usr/sbin', '/usr/local/sbin', '/sbin'];

/** The addresses a proxy's configuration is rendered with. */
export interface ProxyPorts {
  /** The port the proxy listens on, on 127.0.0.1. */
  proxy: number;
  /** The gateway's port (forward auth, and its own /mfa routes). */
  gateway: number;
  /** The API's port. */
  upstream: number;
}

/** A proxy process that answers on `port`. */
export interface RunningProxy {
  port: number;
  /** The folder of its configuration, logs and temporary files. */
  dir: string;
  /** What it wrote to stdout and stderr so far, for a failure's message. */
  output(): string;
  /** Stops it, waits until it is gone, and removes its folder. */
  stop(): Promise<void>;
}

/** The absolute path of an executable found on PATH (or in the sbin folders), or undefined. */
export function findBinary(name: string): string | undefined {
  const folders = [...(process.env.PATH ?? '').split(path.delimiter).filter(Boolean), ...SBIN];
  for (const folder of folders) {
    const candidate = path.join(folder, name);
    try {
      fs.accessSync(candidate, fs.constants.X_OK);
      if (fs.statSync(candidate).isFile()) return candidate;
    } catch {}
  }
  return undefined;
}

/** A free TCP port on loopback: bound on port 0, then released for the proxy started right after. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/**
 * An example configuration with each `[from, to]` replaced everywhere. A `from` that does not occur
 * is an error: the example changed, and the test would otherwise run something else than it says.
 */
export function renderTemplate(file: string, replacements: [from: string, to: string][]): string {
  let text = fs.readFileSync(path.join(EXAMPLES, file), 'utf8');
  for (const [from, to] of replacements) {
    if (!text.includes(from)) throw new Error(`examples/gateway/${file} no longer contains ${JSON.stringify(from)}: update test/proxies/lib/proxies.ts`);
    text = text.split(from).join(to);
  }
  return text;
}

/**
 * nginx from examples/gateway/nginx.conf: `nginx -p <dir> -c <dir>/nginx.conf`, in the
 * foreground (`daemon off` in the file), its pid, logs and temporary files in the folder.
 */
export function startNginx(binary: string, ports: ProxyPorts): Promise<RunningProxy> {
  const config = renderTemplate('nginx.conf', [
    ['listen 127.0.0.1:8081;', `listen 127.0.0.1:${ports.proxy};`],
    ['server 127.0.0.1:8080;', `server 127.0.0.1:${ports.gateway};`],
    ['server 127.0.0.1:9000;', `server 127.0.0.1:${ports.upstream};`],
  ]);
  const dir = fs.mkdtempSync(path.join(tmpdir(), 'mfakit-nginx-'));
  // Run as root, nginx's workers are `nobody`: they must reach the temporary folders in here.
  fs.chmodSync(dir, 0o755);
  const file = path.join(dir, 'nginx.conf');
  fs.writeFileSync(file, config);
  return startProcess('nginx', binary, ['-p', `${dir}/`, '-c', file], dir, ports.proxy, {});
}

/**
 * Caddy from examples/gateway/Caddyfile: `caddy run --adapter caddyfile`, with HOME and the XDG
 * folders in its own folder (its storage and autosaved configuration go there).
 */
export function startCaddy(binary: string, ports: ProxyPorts): Promise<RunningProxy> {
  const config = renderTemplate('Caddyfile', [
    ['http://:8082', `http://:${ports.proxy}`],
    ['127.0.0.1:8080', `127.0.0.1:${ports.gateway}`],
    ['127.0.0.1:9000', `127.0.0.1:${ports.upstream}`],
  ]);
  const dir = fs.mkdtempSync(path.join(tmpdir(), 'mfakit-caddy-'));
  const file = path.join(dir, 'Caddyfile');
  fs.writeFileSync(file, config);
  const env = { HOME: dir, XDG_DATA_HOME: path.join(dir, 'data'), XDG_CONFIG_HOME: path.join(dir, 'config') };
  return startProcess('caddy', binary, ['run', '--adapter', 'caddyfile', '--config', file], dir, ports.proxy, env);
}

/** Starts a proxy, and resolves once its port accepts connections (or rejects with its output, if it exits or never does). */
async function startProcess(name: string, binary: string, args: string[], dir: string, port: number, env: Record<string, string>): Promise<RunningProxy> {
  const logFile = path.join(dir, 'output.log');
  const log = fs.openSync(logFile, 'a');
  const child = spawn(binary, args, { cwd: dir, env: { ...process.env, ...env }, stdio: ['ignore', log, log] });
  fs.closeSync(log);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const output = () => (fs.existsSync(logFile) ? fs.readFileSync(logFile, 'utf8') : '');
  const proxy: RunningProxy = { port, dir, output, stop: () => stop(child, exited, dir) };
  try {
    await untilAccepting(port, child, `${name} (${binary} ${args.join(' ')})`);
  } catch (err) {
    const said = output();
    await proxy.stop();
    throw new Error(`${(err as Error).message}\n${said}`);
  }
  return proxy;
}

/** SIGTERM: both stop at once (nginx's fast shutdown; Caddy's graceful one, with no request left). */
async function stop(child: ChildProcess, exited: Promise<void>, dir: string): Promise<void> {
  if (child.exitCode === null && child.signalCode === null) {
    child.kill('SIGTERM');
    await exited;
  }
  fs.rmSync(dir, { recursive: true, force: true });
}

/** Polls the port until a connection is accepted; fails at once if the process exits. */
async function untilAccepting(port: number, child: ChildProcess, what: string): Promise<void> {
  const deadline = Date.now() + START_TIMEOUT_MS;
  while (Date.now() < deadline) {
    if (child.exitCode !== null || child.signalCode !== null) throw new Error(`${what} exited (${child.exitCode ?? child.signalCode}) before it listened on 127.0.0.1:${port}`);
    if (await accepts(port)) return;
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  }
  throw new Error(`${what} did not listen on 127.0.0.1:${port} within ${START_TIMEOUT_MS} ms`);
}

function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}
