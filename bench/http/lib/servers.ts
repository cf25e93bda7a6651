import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { BENCH_USER, type Framework, ROUTE, type Variant } from './fixture';

const ROOT = path.resolve(__dirname, '../../..');
const SERVER = path.join(ROOT, 'bench/http/server.ts');
const START_TIMEOUT_MS = 60_000;
const STOP_TIMEOUT_MS = 5_000;

/** A server of the benchmark in its own process, ready to take load. */
export interface RunningServer {
  framework: Framework;
  variant: Variant;
  /** The server process's id. */
  pid: number;
  /** `http://127.0.0.1:<port>/api/profile` */
  url: string;
  /** What every request carries: the access token and the MFA session token. */
  headers: Record<string, string>;
  /** What the server wrote to stderr since it started (a healthy server writes nothing). */
  stderr(): string;
  /**
   * Sends a command (see server.ts) and waits for its answer: 'profile' starts the CPU profiler
   * of a server started with `cpuProfile` (it writes the profile when stopped); 'revoke' revokes
   * the user. Throws if the server refuses.
   */
  command(name: 'profile' | 'revoke'): Promise<void>;
  /** SIGTERM, then SIGKILL if it has not exited within 5 s. */
  stop(): Promise<void>;
}

const live = new Set<ChildProcessWithoutNullStreams>();
// Should the suite die without its finally blocks running, its servers go with it (they also stop
// when their standard input closes).
process.once('exit', () => {
  for (const child of live) child.kill('SIGKILL');
});

/**
 * Starts `node <compiled> <framework> <variant> 0` (see `buildServer`), or without `compiled`
 * `node --import tsx bench/http/server.ts <framework> <variant> 0`, with NODE_ENV=production, and
 * waits for its ready line. With `cpuProfile`, a file, the server profiles from
 * `command('profile')` until it stops and writes the profile there (V8's `.cpuprofile`, as
 * `node --cpu-prof` writes it, but without the start-up).
 */
export function startServer(framework: Framework, variant: Variant, options: { compiled?: string; cpuProfile?: string } = {}): Promise<RunningServer> {
  const script = options.compiled ? [options.compiled] : ['--import', 'tsx', SERVER];
  const child = spawn(process.execPath, [...script, framework, variant, '0'], {
    cwd: ROOT,
    env: { ...process.env, NODE_ENV: 'production', ...(options.cpuProfile ? { BENCH_CPU_PROFILE: options.cpuProfile } : {}) },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  live.add(child);
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
    stderr += chunk;
  });
  const exited = new Promise<void>((resolve) =>
    child.once('exit', () => {
      live.delete(child);
      resolve();
    }),
  );
  const stop = async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), STOP_TIMEOUT_MS);
    await exited;
    clearTimeout(timer);
  };
  return new Promise<RunningServer>((resolve, reject) => {
    const fail = (why: string) => {
      void stop();
      reject(new Error(`${framework} ${variant} server ${why}${stderr ? `:\n${stderr}` : ''}`));
    };
    const timer = setTimeout(() => fail(`not ready within ${START_TIMEOUT_MS / 1000} s`), START_TIMEOUT_MS);
    child.once('exit', (code, signal) => fail(`exited (${signal ?? code}) before it was ready`));
    const lines = createInterface({ input: child.stdout });
    const command = (name: string) =>
      new Promise<void>((done, refused) => {
        const gone = () => refused(new Error(`${framework} ${variant} server exited before it answered ${name}${stderr ? `:\n${stderr}` : ''}`));
        child.once('exit', gone);
        lines.once('line', (answer) => {
          child.off('exit', gone);
          if (answer === JSON.stringify({ [name]: true })) done();
          else refused(new Error(`${framework} ${variant}: ${name} answered ${answer}${stderr ? `:\n${stderr}` : ''}`));
        });
        child.stdin.write(`${name}\n`);
      });
    lines.once('line', (line) => {
      clearTimeout(timer);
      try {
        const ready = JSON.parse(line) as { ready: boolean; port: number; headers: Record<string, string> };
        if (!ready.ready) throw new Error('not ready');
        resolve({ framework, variant, pid: child.pid!, url: `http://127.0.0.1:${ready.port}${ROUTE}`, headers: ready.headers, stderr: () => stderr, command, stop });
      } catch {
        fail(`wrote "${line}" instead of its ready line`);
      }
    });
  });
}

/**
 * Checks a server before it is measured: the benchmark's request answers 200 with the user, and
 * on the guarded variants a request without the access token, or without the MFA session, is
 * refused. A server that lets those through measures nothing.
 */
export async function preflight(server: RunningServer): Promise<void> {
  const name = `${server.framework} ${server.variant}`;
  const ok = await fetch(server.url, { headers: server.headers });
  const body = await ok.text();
  if (ok.status !== 200 || body !== JSON.stringify({ userId: BENCH_USER })) throw new Error(`${name}: the benchmark's request answered ${ok.status} ${body}`);
  const { authorization, 'x-session-token': session, ...rest } = server.headers;
  const expectations: [string, Record<string, string>, number][] = [];
  if (server.variant !== 'bare') expectations.push(['without the access token', { ...rest, 'x-session-token': session! }, 401]);
  if (server.variant.startsWith('mfa-') || server.variant.startsWith('floor-')) expectations.push(['without the MFA session', { ...rest, authorization: authorization! }, 401]);
  for (const [what, headers, status] of expectations) {
    const res = await fetch(server.url, { headers });
    await res.arrayBuffer();
    if (res.status !== status) throw new Error(`${name}: a request ${what} answered ${res.status}, not ${status}`);
  }
}
