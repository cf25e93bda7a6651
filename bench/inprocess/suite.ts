// The in-process suite: what one MFA decision and each verification cost inside the process,
// mfakit against its baseline in the same run, and the heap per live session. Each task runs in
// its own worker process (`worker.ts`, with --expose-gc and the task's flags), one after another,
// so that no measurement inherits another's heap or JIT state. A measurement that misses its
// target gets a CPU profile of mfakit's side in bench/results/profiles/, summarised in its note.
import { spawn } from 'node:child_process';
import path from 'node:path';
import type { Measurement, Suite } from '../lib/measurement';
import { TASKS } from './tasks';

const ROOT = path.resolve(__dirname, '../..');
const WORKER = path.join(__dirname, 'worker.ts');
const PROFILES = path.join(ROOT, 'bench/results/profiles');
const WORKER_TIMEOUT_MS = 10 * 60_000;

/** Runs the worker for `task` with `args` and answers the measurements it printed. */
function runWorker(task: string, flags: string[], args: string[]): Promise<Measurement[]> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--expose-gc', ...flags, '--import', 'tsx', WORKER, task, ...args], { cwd: ROOT, stdio: ['ignore', 'pipe', 'inherit'] });
    const timer = setTimeout(() => child.kill('SIGKILL'), WORKER_TIMEOUT_MS);
    let out = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (out += chunk));
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      const line = out.split('\n').find((l) => l.startsWith('RESULT '));
      if (code !== 0 || !line) return reject(new Error(`in-process task ${task} failed (${signal ?? `exit ${code}`}): ${out.trim().slice(-500)}`));
      resolve(JSON.parse(line.slice('RESULT '.length)) as Measurement[]);
    });
  });
}

export default (async ({ quick, log }) => {
  const results: Measurement[] = [];
  for (const [name, load] of Object.entries(TASKS)) {
    const task = load(); // for its flags: this process measures nothing
    const started = Date.now();
    const args = [...(quick ? ['--quick'] : []), '--profile-missed', PROFILES, quick ? '0.5' : '4'];
    const measured = await runWorker(name, task.flags ?? [], args);
    const summary = measured.map((m) => `${m.name} ${m.value} ${m.unit}${m.ratio !== undefined ? ` (x${m.ratio})` : ''}${m.met === false ? ' MISSED' : ''}`);
    log(`${name} (${((Date.now() - started) / 1000).toFixed(1)} s): ${summary.join('; ')}`);
    results.push(...measured);
  }
  return results;
}) satisfies Suite;
