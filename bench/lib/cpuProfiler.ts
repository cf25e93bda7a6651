import { writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';

/** The inspector's CPU profiler, started on demand; `stop` writes the profile if it ran. */
export function cpuProfiler(file: string): { start(): Promise<void>; stop(): Promise<void> } {
  const session = new Session();
  let running = false;
  return {
    async start() {
      session.connect();
      await session.post('Profiler.enable');
      await session.post('Profiler.start');
      running = true;
    },
    async stop() {
      if (!running) return;
      const { profile } = await session.post('Profiler.stop');
      writeFileSync(file, JSON.stringify(profile));
      session.disconnect();
    },
  };
}
