// What requireMfa adds to a request, on each framework: the servers (bench/http/server.ts, one
// process per variant, on loopback) are loaded in turn by autocannon, round by round (jwt,
// floor-memory, mfa-memory, ..., then the same backwards), and the headline of each variant is
// its CPU added per request: the server's CPU time per request (from /proc, in ns) minus the
// baseline's (`jwt`, the primary authentication alone) in the same round, the median of the
// rounds with their spread. Throughput (median of per-round ratios) and p99 stand beside it. The
// `floor-*` variants do only what any session check must (lib/floor.ts): the floor the targets are
// set against. In full runs a variant that misses its target, and with
// BENCH_HTTP_PROFILE=<framework>:<variant>,... the variants named, are profiled in an extra pass
// (V8's CPU profiler, as --cpu-prof) next to the baseline, and the note says on what the
// variant's server spent its extra CPU per request.
//
// BENCH_HTTP_ROUNDS and BENCH_HTTP_SECONDS (per server per round) set the length of a run;
// BENCH_HTTP_FRAMEWORKS=koa,fastify measures only those.
import { mkdirSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Redis } from 'ioredis';
import { type Measurement, median, round, spreadOf, type Suite } from '../lib/measurement';
import { FRAMEWORKS, type Framework, type Variant } from './lib/fixture';
import { buildServer } from './lib/build';
import { load, type Sample } from './lib/load';
import { describeDifference, summariseProfile } from './lib/profile';
import { preflight, type RunningServer, startServer } from './lib/servers';

const MFA_VARIANTS: Variant[] = ['jwt', 'floor-memory', 'mfa-memory', 'floor-redis', 'mfa-redis'];
const PLAN: Record<Framework, Variant[]> = {
  express: ['bare', 'jwt-noop', ...MFA_VARIANTS],
  koa: MFA_VARIANTS,
  fastify: MFA_VARIANTS,
  nestjs: MFA_VARIANTS,
};
/** A quick run measures the baseline and requireMfa only: the references are for full runs. */
const QUICK_PLAN: Variant[] = ['jwt', 'mfa-memory', 'mfa-redis'];
const BASELINE: Variant = 'jwt';
/**
 * The issue's targets, µs of server CPU added per request over the baseline. The floors
 * (`floor-*`, same framework, same run) show what any session check costs at the least: where a
 * floor is above its target (a framework whose every guard costs more, as NestJS's), the target
 * is the floor plus {@link OVER_FLOOR_US}.
 */
const TARGETS_US: Partial<Record<Variant, number>> = { 'mfa-memory': 5, 'mfa-redis': 25 };
/** What requireMfa may add over its floor in the same rounds: its own logic, about 0.5 µs in-process (check.memory.us less its floor), with room for the adapter. */
const OVER_FLOOR_US = 5;
/** The floor each requireMfa variant is set against. */
const FLOOR_OF: Partial<Record<Variant, Variant>> = { 'mfa-memory': 'floor-memory', 'mfa-redis': 'floor-redis' };
/** What the variants without a target stand for. */
const REFERENCES: Partial<Record<Variant, string>> = {
  bare: 'Express with no authentication',
  'jwt-noop': 'the baseline plus one middleware that does nothing (sets a property, calls next): what any middleware costs in Express',
  'floor-memory': 'the floor of a session check on the memory store: the baseline plus one middleware doing one SHA-256 of the session token and one Map lookup (bench/http/lib/floor.ts)',
  'floor-redis':
    'the floor of a session check on Redis: the baseline plus one middleware doing one SHA-256 of the session token and one MGET (the session and the revocation mark) on the Redis client of mfa-redis, and parsing the record (bench/http/lib/floor.ts)',
};
const CONNECTIONS = Number(process.env.BENCH_HTTP_CONNECTIONS ?? 10); // autocannon's default
const PROFILES = path.join(__dirname, '../results/profiles');
const PROFILE_SLICES = 6;

interface Settings {
  connections: number;
  rounds: number;
  /** Seconds of load on each server in each round. */
  duration: number;
  /**
   * Load on all of a framework's servers at once before the first round, by time or by request
   * count: V8 optimises by call counts, and a cold server costs up to 3 times the CPU per request.
   */
  warmup: { duration: number } | { amount: number };
}

/** A positive number from the environment, else `fallback`. */
function fromEnv(name: string, fallback: number): number {
  const value = Number(process.env[name]);
  return Number.isFinite(value) && value > 0 ? value : fallback;
}

const suite = (async ({ quick, log }) => {
  const settings: Settings = quick
    ? { rounds: fromEnv('BENCH_HTTP_ROUNDS', 3), duration: fromEnv('BENCH_HTTP_SECONDS', 0.5), warmup: { duration: 2 }, connections: CONNECTIONS }
    : { rounds: fromEnv('BENCH_HTTP_ROUNDS', 20), duration: fromEnv('BENCH_HTTP_SECONDS', 1), warmup: { amount: 10_000 }, connections: CONNECTIONS };
  await assertRedis();
  const profileOnly = new Set((process.env.BENCH_HTTP_PROFILE ?? '').split(',').filter(Boolean));
  const only = (process.env.BENCH_HTTP_FRAMEWORKS ?? '').split(',').filter(Boolean);
  const frameworks = FRAMEWORKS.filter((f) => only.length === 0 || only.includes(f));
  const plan = (framework: Framework) => PLAN[framework].filter((v) => !quick || QUICK_PLAN.includes(v));
  const results: Measurement[] = [];
  const built = process.env.BENCH_HTTP_TSX === '1' ? null : await buildServer();
  const compiled = built?.file;
  // Every server starts at once, before any load: start-up is most of a quick run's fixed cost,
  // and an idle server takes no CPU from the ones being measured.
  const all = await startAll(frameworks, plan, compiled, log).catch((err: unknown) => {
    built?.remove();
    throw err;
  });
  try {
    for (const framework of frameworks) {
      const servers = all.filter((s) => s.framework === framework);
      const samples = await measure(framework, servers, settings, log);
      await Promise.all(servers.map((s) => s.stop()));
      const measurements = measurementsOf(framework, samples, settings, quick);
      for (const m of measurements) {
        const variant = m.name.split('.')[2] as Variant;
        const wanted = profileOnly.has(`${framework}:${variant}`) || (!quick && m.met === false);
        if (!wanted || !m.name.endsWith('.cpu_added_us')) continue;
        const note = await profilePair(framework, variant, settings, compiled);
        log(`${framework} ${variant}: ${note}`);
        m.note = m.note ? `${m.note}. ${note}` : note;
      }
      results.push(...measurements);
    }
  } finally {
    await Promise.all(all.map((s) => s.stop()));
    built?.remove();
  }
  return results;
}) satisfies Suite;
export default suite;

/** Starts the server of every framework and variant; if one fails, stops the others and throws its error. */
async function startAll(frameworks: Framework[], plan: (framework: Framework) => Variant[], compiled: string | undefined, log: (line: string) => void): Promise<RunningServer[]> {
  const t0 = Date.now();
  const started = await Promise.allSettled(frameworks.flatMap((framework) => plan(framework).map((variant) => startServer(framework, variant, { compiled }))));
  const servers = started.flatMap((s) => (s.status === 'fulfilled' ? [s.value] : []));
  const failed = started.find((s) => s.status === 'rejected');
  if (failed) {
    await Promise.all(servers.map((s) => s.stop()));
    throw failed.reason;
  }
  log(`${servers.length} servers up in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  return servers;
}

/**
 * Checks and warms a framework's servers, then loads them in turn, round by round, every other
 * round in the reverse order: a machine that speeds up or slows down during a round then favours
 * no variant over the rounds.
 */
async function measure(framework: Framework, servers: RunningServer[], settings: Settings, log: (line: string) => void): Promise<Map<Variant, Sample[]>> {
  for (const server of servers) await preflight(server);
  const t0 = Date.now();
  await Promise.all(servers.map((server) => load(server, { connections: settings.connections, ...settings.warmup })));
  log(`${framework}: warmed up in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  const samples = new Map<Variant, Sample[]>(servers.map((s) => [s.variant, []]));
  for (let r = 1; r <= settings.rounds; r++) {
    const order = r % 2 ? servers : [...servers].reverse();
    for (const server of order) samples.get(server.variant)!.push(await load(server, settings));
    log(`${framework} round ${r}: ${servers.map((s) => describeSample(s.variant, samples.get(s.variant)![r - 1]!)).join(', ')}`);
  }
  for (const server of servers) if (server.stderr()) log(`${framework} ${server.variant} wrote to stderr: ${server.stderr().trim()}`);
  for (const server of servers) if (server.variant.startsWith('mfa-') || server.variant.startsWith('floor-')) await revocationHolds(server);
  return samples;
}

/**
 * Per variant, the headline first: the server's CPU added per request over the baseline's
 * (`cpu_added_us`: the median of the per-round differences, with their spread, against the
 * issue's target on the requireMfa variants); then its CPU per request (`cpu`), its median req/s
 * with the median of the per-round ratios to the baseline's (`rps`, no target: on two shared
 * cores it scatters by ±0.1 from round to round), and the median p99 latency (`p99`).
 */
function measurementsOf(framework: Framework, samples: Map<Variant, Sample[]>, settings: Settings, quick: boolean): Measurement[] {
  const base = samples.get(BASELINE)!;
  const name = (variant: Variant, what: string) => `http.${framework}.${variant}.${what}`;
  const how = method(settings, [...samples.keys()], quick);
  const added: Measurement[] = [];
  const cpu: Measurement[] = [];
  const rps: Measurement[] = [];
  const p99: Measurement[] = [];
  const cpuKnown = [...samples.values()].every((runs) => runs.every((s) => s.cpuPerRequest !== null));
  // Per variant, its CPU per request minus the baseline's in each round, µs.
  const differences = new Map<Variant, number[]>();
  const minusBase = (runs: Sample[]) => runs.map((s, i) => s.cpuPerRequest! - base[i]!.cpuPerRequest!);
  if (cpuKnown) for (const [variant, runs] of samples) differences.set(variant, minusBase(runs));
  for (const [variant, runs] of samples) {
    const reference = REFERENCES[variant];
    if (cpuKnown) {
      const cpus = runs.map((s) => s.cpuPerRequest!);
      cpu.push({
        name: name(variant, 'cpu'),
        value: round(median(cpus), 1),
        unit: 'us/req',
        spread: spreadOf(cpus),
        note: `the server's CPU time per request (all its threads, /proc/<pid>/task/*/schedstat), median over rounds${variant === BASELINE ? `; the baseline: ${how}` : ''}`,
      });
      if (variant !== BASELINE) added.push(cpuAdded(framework, variant, differences, name, quick));
    }
    const value = Math.round(median(runs.map((s) => s.rps)));
    if (variant === BASELINE) rps.push({ name: name(variant, 'rps'), value, unit: 'req/s', note: `the baseline: ${how}` });
    else {
      const ratios = runs.map((s, i) => s.rps / base[i]!.rps);
      rps.push({
        name: name(variant, 'rps'),
        value,
        unit: 'req/s',
        baseline: name(BASELINE, 'rps'),
        ratio: round(median(ratios), 3),
        spread: spreadOf(ratios, 3),
        note: `${reference ? `reference: ${reference}; ` : ''}no target (cpu_added_us has it); per-round ratios ${ratios.map((x) => x.toFixed(3)).join(', ')}`,
      });
    }
    const latencies = runs.map((s) => s.p99);
    p99.push({ name: name(variant, 'p99'), value: round(median(latencies), 2), unit: 'ms', spread: spreadOf(latencies), note: "median over rounds of autocannon's p99 latency" });
  }
  return [...added, ...cpu, ...rps, ...p99];
}

/** The headline row of a variant: CPU added per request over the baseline, median of the rounds, with their spread; against its target and its floor. */
function cpuAdded(framework: Framework, variant: Variant, differences: Map<Variant, number[]>, name: (variant: Variant, what: string) => string, quick: boolean): Measurement {
  const diffs = differences.get(variant)!;
  const value = round(median(diffs), 1);
  const spread = spreadOf(diffs);
  const [low, high] = medianInterval(diffs);
  const words = [
    `${framework} ${variant}: the server's CPU per request minus the baseline's (${BASELINE}) in the same round, median of ${diffs.length} rounds ` +
      `(95% interval of the median ${round(low, 1)} to ${round(high, 1)} us); rounds: interquartile ${spread.low} to ${spread.high} us, all ${spread.min} to ${spread.max} us`,
  ];
  const reference = REFERENCES[variant];
  if (reference) words.push(`reference, no target: ${reference}`);
  const floor = FLOOR_OF[variant];
  const floorDiffs = floor && differences.get(floor);
  const floorAdded = floorDiffs ? round(median(floorDiffs), 1) : undefined;
  if (floorDiffs) {
    const over = diffs.map((d, i) => d - floorDiffs[i]!);
    const overSpread = spreadOf(over);
    words.push(
      `${floor} adds ${round(median(floorDiffs), 1)} us in the same rounds; requireMfa above that floor: ${round(median(over), 1)} us (interquartile ${overSpread.low} to ${overSpread.high})`,
    );
  }
  const issueTarget = TARGETS_US[variant];
  if (issueTarget === undefined) return { name: name(variant, 'cpu_added_us'), value, unit: 'us/req', baseline: name(BASELINE, 'cpu'), spread, note: words.join('; ') };
  const target = floorAdded === undefined ? issueTarget : Math.max(issueTarget, round(floorAdded + OVER_FLOOR_US, 1));
  if (target !== issueTarget) words.push(`target: the floor's ${floorAdded} us + ${OVER_FLOOR_US} us (the issue's ${issueTarget} us is below the floor here)`);
  if (spread.high - spread.low >= target)
    words.push(`the rounds scatter by as much as the target: run longer (BENCH_HTTP_ROUNDS, BENCH_HTTP_SECONDS)${quick ? '; a quick run is indicative only' : ''}`);
  return { name: name(variant, 'cpu_added_us'), value, unit: 'us/req', baseline: name(BASELINE, 'cpu'), target: `<= ${target} us`, met: value <= target, spread, note: words.join('; ') };
}

/**
 * A distribution-free 95% interval of the median of `values`: the order statistics n/2 ± 0.98 √n
 * (the binomial's normal approximation). It narrows as rounds are added, where the interquartile
 * range of the rounds does not: the median is pinned far more closely than one round is.
 */
function medianInterval(values: number[]): [number, number] {
  const sorted = [...values].sort((a, b) => a - b);
  const n = sorted.length;
  const half = 0.98 * Math.sqrt(n);
  return [sorted[Math.max(0, Math.floor(n / 2 - half))]!, sorted[Math.min(n - 1, Math.ceil(n / 2 + half) - 1)]!];
}

/** How the numbers were made, for the baseline's note. */
function method(settings: Settings, variants: Variant[], quick: boolean): string {
  const warmup = 'amount' in settings.warmup ? `${settings.warmup.amount} requests` : `${settings.warmup.duration} s`;
  return [
    `autocannon, ${settings.connections} connections, warm-up ${warmup} per server (all at once), ${settings.rounds} rounds x ${settings.duration} s interleaved (${variants.join(' ')}, every other round backwards)`,
    process.env.BENCH_HTTP_TSX === '1' ? 'servers under tsx' : 'servers compiled by esbuild, not under tsx (see lib/build.ts)',
    `Redis through ${process.env.BENCH_REDIS_CLIENT === 'ioredis' ? 'ioredis (auto-pipelining)' : 'node-redis 5'}`,
    `server, autocannon and Redis share the machine's ${os.cpus().length} cores, nothing pinned: per-round figures scatter, the median holds`,
    ...(quick ? ['a quick run: indicative only'] : []),
  ].join('; ');
}

function describeSample(variant: Variant, sample: Sample): string {
  const cpu = sample.cpuPerRequest === null ? '' : ` ${Math.round(sample.cpuPerRequest)} us cpu`;
  return `${variant} ${Math.round(sample.rps)}/s p99 ${sample.p99} ms${cpu}`;
}

/**
 * Profiles a variant's server and a baseline server side by side: both warmed, both profiled
 * while they take turns under load (PROFILE_SLICES turns of half a second each), so that the
 * machine's changing speed falls on both alike. Answers the note: where the variant spent its
 * extra CPU per request. The profiles stay in bench/results/profiles/.
 */
async function profilePair(framework: Framework, variant: Variant, settings: Settings, compiled: string | undefined): Promise<string> {
  mkdirSync(PROFILES, { recursive: true });
  const files = [path.join(PROFILES, `http-${framework}-${variant}.baseline.cpuprofile`), path.join(PROFILES, `http-${framework}-${variant}.cpuprofile`)] as const;
  const started = await Promise.allSettled([startServer(framework, BASELINE, { compiled, cpuProfile: files[0] }), startServer(framework, variant, { compiled, cpuProfile: files[1] })]);
  const servers = started.flatMap((s) => (s.status === 'fulfilled' ? [s.value] : []));
  const requests = [0, 0];
  try {
    const failed = started.find((s) => s.status === 'rejected');
    if (failed) throw failed.reason;
    for (const server of servers) await preflight(server);
    await Promise.all(servers.map((server) => load(server, { connections: settings.connections, ...settings.warmup })));
    for (const server of servers) await server.command('profile');
    for (let turn = 0; turn < PROFILE_SLICES; turn++) {
      for (const [i, server] of servers.entries()) requests[i]! += (await load(server, { connections: settings.connections, duration: 0.5 })).requests;
    }
  } finally {
    await Promise.all(servers.map((s) => s.stop()));
  }
  const [base, measured] = files.map((file, i) => summariseProfile(file, requests[i]!));
  return describeDifference(base!, measured!, `bench/results/profiles/http-${framework}-${variant}{.baseline,}.cpuprofile`);
}

/**
 * After the load, revokes the user and checks that the very next request with the session is
 * refused: a faster check that let a revoked session through (a cache, say) would measure a
 * weaker product.
 */
async function revocationHolds(server: RunningServer): Promise<void> {
  await server.command('revoke');
  const res = await fetch(server.url, { headers: server.headers });
  await res.arrayBuffer();
  if (res.ok) throw new Error(`${server.framework} ${server.variant}: a request with a revoked session answered ${res.status}: the measured check does not honour revocation`);
}

/** The Redis variants need Redis on REDIS_URL (default 127.0.0.1:6379): say so plainly when it does not answer. */
async function assertRedis(): Promise<void> {
  const redis = new Redis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379', { lazyConnect: true, maxRetriesPerRequest: 0, enableOfflineQueue: false, retryStrategy: () => null });
  try {
    await redis.connect();
    await redis.ping();
  } catch (err) {
    throw new Error(`the HTTP benchmark needs Redis on ${process.env.REDIS_URL ?? '127.0.0.1:6379'} (redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save ''): ${(err as Error).message}`);
  } finally {
    redis.disconnect();
  }
}
