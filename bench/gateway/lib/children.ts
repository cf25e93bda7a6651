import { type ChildProcess, spawn } from 'node:child_process';
import { createInterface } from 'node:readline';

const START_TIMEOUT_MS = 30_000;
const STOP_TIMEOUT_MS = 5_000;

/** A process of the benchmark, started and ready: its pid, its ready line, how to talk to it and stop it. */
export interface Child<Ready> {
  name: string;
  pid: number;
  /** The JSON the process printed when it was ready. */
  ready: Ready;
  /** What the process wrote to stderr since it started (a healthy one writes nothing). */
  stderr(): string;
  /** Sends a command line and waits for its answer `{"<command>":true}`; throws on any other answer or if the process exits. */
  command(name: string): Promise<void>;
  /** SIGTERM, then SIGKILL if it has not exited within 5 s. Safe to call twice. */
  stop(): Promise<void>;
}

const live = new Set<ChildProcess>();
// Should the suite die without its finally blocks running, its children go with it (the node ones
// also stop when their standard input closes).
process.once('exit', () => {
  for (const child of live) child.kill('SIGKILL');
});

/**
 * Starts `file args` with standard input, output and error piped, and waits for its first line
 * of output, which must be JSON with `"ready": true`. A process that exits first, prints anything
 * else, or takes over 30 s is stopped and the promise rejects with what it wrote to stderr.
 */
export function startChild<Ready extends { ready: boolean }>(name: string, file: string, args: string[], env: NodeJS.ProcessEnv = {}): Promise<Child<Ready>> {
  const child = spawn(file, args, { env: { ...process.env, ...env }, stdio: ['pipe', 'pipe', 'pipe'] });
  live.add(child);
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
    stderr += chunk;
  });
  const exited = new Promise<void>((resolve) => {
    child.once('exit', () => {
      live.delete(child);
      resolve();
    });
    child.once('error', () => {
      live.delete(child);
      resolve();
    });
  });
  const stop = async () => {
    if (child.exitCode !== null || child.signalCode !== null || child.pid === undefined) return;
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), STOP_TIMEOUT_MS);
    await exited;
    clearTimeout(timer);
  };
  const said = () => (stderr ? `:\n${stderr.trim()}` : '');
  const lines = createInterface({ input: child.stdout });
  const send = (line: string) =>
    new Promise<void>((done, refused) => {
      const gone = () => refused(new Error(`${name} exited before it answered ${line}${said()}`));
      child.once('exit', gone);
      lines.once('line', (answer) => {
        child.off('exit', gone);
        if (answer === JSON.stringify({ [line]: true })) done();
        else refused(new Error(`${name}: ${line} answered ${answer}${said()}`));
      });
      child.stdin.write(`${line}\n`);
    });
  return new Promise<Child<Ready>>((resolve, reject) => {
    const fail = (why: string) => {
      clearTimeout(timer);
      void stop();
      reject(new Error(`${name} ${why}${said()}`));
    };
    const timer = setTimeout(() => fail(`not ready within ${START_TIMEOUT_MS / 1000} s`), START_TIMEOUT_MS);
    child.once('error', (err) => fail(`could not start: ${err.message}`));
    child.once('exit', (code, signal) => fail(`exited (${signal ?? code}) before it was ready`));
    lines.once('line', (line) => {
      clearTimeout(timer);
      let ready: Ready;
      try {
        ready = JSON.parse(line) as Ready;
      } catch {
        return fail(`wrote "${line}" instead of its ready line`);
      }
      if (!ready.ready) return fail(`wrote "${line}" instead of its ready line`);
      resolve({ name, pid: child.pid!, ready, stderr: () => stderr, command: send, stop });
    });
  });
}
