import path from 'node:path';
import { cpuProfiler } from '../../lib/cpuProfiler';

/** Where the instance of `framework` writes its CPU profile in `dir` (see instance.ts). */
export const profileFile = (dir: string, framework: string) => path.join(dir, `load-${framework}.cpuprofile`);

/**
 * In a demo instance: SIGUSR2 starts V8's CPU profiler, the next SIGUSR2 stops it and writes
 * `file`, so that the profile covers the run alone (the suite signals at its start and end).
 *
 * @example
 * profileOnSignal('/tmp/load-express.cpuprofile'); // then, from the suite: process.kill(pid, 'SIGUSR2') twice
 */
export function profileOnSignal(file: string): void {
  const profiler = cpuProfiler(file);
  let running = false;
  process.on('SIGUSR2', () => {
    running = !running;
    (running ? profiler.start() : profiler.stop()).catch((err: unknown) => console.error(`profiling failed: ${(err as Error).message}`));
  });
}
