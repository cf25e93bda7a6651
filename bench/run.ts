// `pnpm bench` (every suite, a few minutes) and `pnpm bench --quick` (about a minute and a half): runs the
// suites in turn, each comparing mfakit with its baseline in the same run, and writes
// bench/results/latest.json and bench/results/latest.md. Nothing in `pnpm test` depends on it.
// `pnpm bench load --soak`: the load test for 10 minutes instead of 60 s (see load/suite.ts).
import { writeFileSync, mkdirSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Measurement, Suite } from './lib/measurement';

/** Each suite's module, loaded only when it runs. */
const SUITES: Record<string, string> = { 'in-process': './inprocess/suite', http: './http/suite', gateway: './gateway/suite', load: './load/suite', postgres: './postgres/suite' };

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const quick = args.includes('--quick');
  const only = args.filter((a) => !a.startsWith('--'));
  const started = Date.now();
  const results: Measurement[] = [];
  for (const [name, file] of Object.entries(SUITES)) {
    if (only.length && !only.includes(name)) continue;
    console.log(`\n== ${name}${quick ? ' (quick)' : ''}`);
    const suite = (require(file) as { default: Suite }).default;
    results.push(...(await suite({ quick, log: (line) => console.log(`  ${line}`) })));
  }
  const machine = {
    cpus: `${os.cpus().length} x ${os.cpus()[0]?.model ?? 'unknown'}`,
    memoryGiB: Math.round(os.totalmem() / 2 ** 30),
    node: process.version,
    platform: `${os.platform()} ${os.release()}`,
  };
  const report = { when: new Date().toISOString(), quick, seconds: Math.round((Date.now() - started) / 1000), machine, results };
  const dir = path.join(__dirname, 'results');
  mkdirSync(dir, { recursive: true });
  writeFileSync(path.join(dir, 'latest.json'), `${JSON.stringify(report, null, 2)}\n`);
  const table = markdown(results);
  writeFileSync(path.join(dir, 'latest.md'), `# Latest benchmark run\n\n${report.when}${quick ? ' (quick)' : ''}, ${machine.cpus}, Node ${machine.node}\n\n${table}\n`);
  console.log(`\n${table}\n\nWrote bench/results/latest.json and latest.md in ${report.seconds} s.`);
  const missed = results.filter((r) => r.met === false);
  if (missed.length) console.log(`Targets missed: ${missed.map((r) => r.name).join(', ')} (see the notes).`);
}

function markdown(results: Measurement[]): string {
  const rows = results.map((r) => [r.name, `${r.value} ${r.unit}`, r.baseline ?? '', r.ratio ?? '', r.target ?? '', r.met === undefined ? '' : r.met ? 'yes' : '**no**', r.note ?? ''].join(' | '));
  return ['| measurement | value | baseline | ratio | target | met | note |', '|---|---|---|---|---|---|---|', ...rows.map((row) => `| ${row} |`)].join('\n');
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
