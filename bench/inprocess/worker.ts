// One in-process task in a fresh Node process, started by suite.ts as
//   node --expose-gc [task flags] --import tsx bench/inprocess/worker.ts <task> [--quick] [--profile-missed <dir> <seconds>]
// Writes its measurements as one line `RESULT <json>` on stdout; anything else it prints is log.
// With --profile-missed, each measurement that misses its target and can be profiled gets a CPU
// profile of mfakit's side, recorded in this process right after measuring (warm, and without
// start-up or set-up in it) into <dir>, and the functions with the most self time in its note.
// `worker.ts <task> --profile <measurement> <seconds> <file>` records one profile by hand.
import { rmSync } from 'node:fs';
import path from 'node:path';
import type { Measurement } from '../lib/measurement';
import { describeHot, hotFunctions, mfakitFunctions, recordProfile, timeByOrigin } from './lib/profile';
import type { Task } from './lib/task';
import { TASKS } from './tasks';

const ROOT = path.resolve(__dirname, '../..');

async function main(): Promise<void> {
  const [name, ...args] = process.argv.slice(2);
  const load = name === undefined ? undefined : TASKS[name];
  if (!load) throw new Error(`unknown in-process task ${JSON.stringify(name)}; known: ${Object.keys(TASKS).join(', ')}`);
  const task = load();
  const option = (flag: string) => {
    const at = args.indexOf(flag);
    return at < 0 ? undefined : args.slice(at + 1);
  };
  const single = option('--profile');
  if (single) {
    const [measurement = '', seconds = '3', file = `${measurement}.cpuprofile`] = single;
    await profile(task, measurement, Number(seconds), file);
    console.log('RESULT []');
  } else {
    const results = await task.run({ quick: args.includes('--quick') });
    const missed = option('--profile-missed');
    if (missed) {
      const [dir = '.', seconds = '3'] = missed;
      for (const m of results) {
        if (m.met === false && task.profile) await explain(task, m, dir, Number(seconds));
        if (m.met === true) rmSync(profileFile(dir, m.name), { force: true }); // no stale explanation of a met target
      }
    }
    console.log(`RESULT ${JSON.stringify(results)}`);
  }
  process.exit(0); // stores keep timers and sockets; the result is written
}

const profileFile = (dir: string, measurement: string) => path.join(dir, `inprocess-${measurement}.cpuprofile`);

async function profile(task: Task, measurement: string, seconds: number, file: string): Promise<void> {
  if (!task.profile) throw new Error(`this task has no profile of ${measurement}`);
  const work = await task.profile(measurement, seconds);
  await recordProfile(file, work);
}

/** Records a CPU profile of the measurement's work and names where its time went in the note. */
async function explain(task: Task, measurement: Measurement, dir: string, seconds: number): Promise<void> {
  const file = profileFile(dir, measurement.name);
  await profile(task, measurement.name, seconds, file);
  const origins = describeHot(timeByOrigin(file).filter((o) => o.share >= 0.01));
  const mine = describeHot(mfakitFunctions(file, 5).filter((f) => f.share >= 0.005));
  const hot = describeHot(hotFunctions(file, 5));
  const where = path.relative(ROOT, path.resolve(file));
  measurement.note =
    `${measurement.note ? `${measurement.note}. ` : ''}Target missed. CPU profile of mfakit's side: ${where}. ` +
    `Time by origin (Node's own calls counted for their caller): ${origins}. mfakit's part by function: ${mine}. Most self time: ${hot}`;
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
