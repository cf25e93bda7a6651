// HTTP throughput and p99 latency: each framework's servers (bench/http/server.ts, one process per
// variant, on loopback) loaded in turn by autocannon, round by round (jwt, mfa-memory, mfa-redis,
// jwt, ...), each variant's ratio to the baseline (passport-jwt or its Koa equivalent alone) taken
// within the round and the median of those ratios reported. In full runs a variant that misses
// its target, and with BENCH_HTTP_PROFILE=<framework>:<variant>,... the variants named, are
// profiled in an extra pass (V8's CPU profiler, as --cpu-prof) next to the baseline, and the
// note says on what the variant's server spent its extra CPU per request.
import { mkdirSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Redis } from 'ioredis';
import { compared, type Measurement, median, round, type Suite } from '../lib/measurement';
import { FRAMEWORKS, type Framework, type Variant } from './lib/fixture';
import { buildServer } from './lib/build';
import { load, type Sample } from './lib/load';
import { describeDifference, summariseProfile } from './lib/profile';
import { preflight, type RunningServer, startServer } from './lib/servers';

const PLAN: Record<Framework, Variant[]> = {
  express: ['bare', 'jwt', 'jwt-noop', 'mfa-memory', 'mfa-redis'],
  koa: ['jwt', 'mfa-memory', 'mfa-redis'],
  nestjs: ['jwt', 'mfa-memory', 'mfa-redis'],
};
const BASELINE: Variant = 'jwt';
/** The targets: throughput kept relative to the primary authentication alone. */
const TARGETS: Partial<Record<Variant, number>> = { 'mfa-memory': 0.97, 'mfa-redis': 0.85 };
/** What the variants without a target stand for. */
const REFERENCES: Partial<Record<Variant, string>> = {
  bare: 'Express with no authentication',
  'jwt-noop': 'the baseline plus one middleware that does nothing (sets a property, calls next): what any middleware costs in Express',
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

const suite = (async ({ quick, log }) => {
  const settings: Settings = quick
    ? { rounds: 3, duration: 0.5, warmup: { duration: 2 }, connections: CONNECTIONS }
    : { rounds: 20, duration: 0.5, warmup: { amount: 10_000 }, connections: CONNECTIONS };
  await assertRedis();
  const profileOnly = new Set((process.env.BENCH_HTTP_PROFILE ?? '').split(',').filter(Boolean));
  const results: Measurement[] = [];
  const built = process.env.BENCH_HTTP_TSX === '1' ? null : await buildServer();
  const compiled = built?.file;
  // Every server starts at once, before any load: start-up is most of a quick run's fixed cost,
  // and an idle server takes no CPU from the ones being measured.
  const all = await startAll(compiled, log).catch((err: unknown) => {
    built?.remove();
    throw err;
  });
  try {
    for (const framework of FRAMEWORKS) {
      const servers = all.filter((s) => s.framework === framework);
      const samples = await measure(framework, servers, settings, log);
      await Promise.all(servers.map((s) => s.stop()));
      const measurements = measurementsOf(framework, samples, settings, quick);
      for (const m of measurements) {
        const variant = m.name.split('.')[2] as Variant;
        const wanted = profileOnly.has(`${framework}:${variant}`) || (!quick && m.met === false);
        if (!wanted || !m.name.endsWith('.rps') || variant === BASELINE) continue;
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
async function startAll(compiled: string | undefined, log: (line: string) => void): Promise<RunningServer[]> {
  const t0 = Date.now();
  const started = await Promise.allSettled(FRAMEWORKS.flatMap((framework) => PLAN[framework].map((variant) => startServer(framework, variant, { compiled }))));
  const servers = started.flatMap((s) => (s.status === 'fulfilled' ? [s.value] : []));
  const failed = started.find((s) => s.status === 'rejected');
  if (failed) {
    await Promise.all(servers.map((s) => s.stop()));
    throw failed.reason;
  }
  log(`${servers.length} servers up in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  return servers;
}

/** Checks and warms a framework's servers, then loads them in turn, round by round. */
async function measure(framework: Framework, servers: RunningServer[], settings: Settings, log: (line: string) => void): Promise<Map<Variant, Sample[]>> {
  for (const server of servers) await preflight(server);
  const t0 = Date.now();
  await Promise.all(servers.map((server) => load(server, { connections: settings.connections, ...settings.warmup })));
  log(`${framework}: warmed up in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  const samples = new Map<Variant, Sample[]>(servers.map((s) => [s.variant, []]));
  for (let r = 1; r <= settings.rounds; r++) {
    for (const server of servers) samples.get(server.variant)!.push(await load(server, settings));
    log(`${framework} round ${r}: ${servers.map((s) => describeSample(s.variant, samples.get(s.variant)![r - 1]!)).join(', ')}`);
  }
  for (const server of servers) if (server.stderr()) log(`${framework} ${server.variant} wrote to stderr: ${server.stderr().trim()}`);
  for (const server of servers) if (server.variant.startsWith('mfa-')) await revocationHolds(server);
  return samples;
}

/**
 * Per variant: median req/s, compared with the baseline by the median of per-round ratios; the
 * median p99 latency; and the server's CPU time per request, compared the same way (no target:
 * it explains the throughput, and moves less when neighbours take the CPU).
 */
function measurementsOf(framework: Framework, samples: Map<Variant, Sample[]>, settings: Settings, quick: boolean): Measurement[] {
  const base = samples.get(BASELINE)!;
  const name = (variant: Variant, what: string) => `http.${framework}.${variant}.${what}`;
  const how = method(settings, [...samples.keys()], quick);
  const rps: Measurement[] = [];
  const p99: Measurement[] = [];
  const cpu: Measurement[] = [];
  for (const [variant, runs] of samples) {
    const value = Math.round(median(runs.map((s) => s.rps)));
    const ratios = runs.map((s, i) => s.rps / base[i]!.rps);
    const perRound = `per-round ratios ${ratios.map((x) => x.toFixed(3)).join(', ')}`;
    const target = TARGETS[variant];
    if (variant === BASELINE) rps.push({ name: name(variant, 'rps'), value, unit: 'req/s', note: `the baseline: ${how}` });
    else if (target === undefined)
      rps.push({
        name: name(variant, 'rps'),
        value,
        unit: 'req/s',
        baseline: name(BASELINE, 'rps'),
        ratio: round(median(ratios), 3),
        note: `reference, no target: ${REFERENCES[variant] ?? variant}; ${perRound}`,
      });
    else rps.push(compared(name(variant, 'rps'), value, 'req/s', name(BASELINE, 'rps'), median(ratios), { atLeast: target }, perRound));
    p99.push({ name: name(variant, 'p99'), value: round(median(runs.map((s) => s.p99)), 2), unit: 'ms', note: "median over rounds of autocannon's p99 latency" });
    const cpus = runs.map((s) => s.cpuPerRequest);
    if (cpus.some((c) => c === null)) continue;
    const cpuValue = round(median(cpus as number[]), 1);
    const cpuNote = "the server's CPU time per request (user + system, /proc), median over rounds";
    if (variant === BASELINE) cpu.push({ name: name(variant, 'cpu'), value: cpuValue, unit: 'us/req', note: cpuNote });
    else {
      const cpuRatios = runs.map((s, i) => s.cpuPerRequest! / base[i]!.cpuPerRequest!);
      cpu.push({
        name: name(variant, 'cpu'),
        value: cpuValue,
        unit: 'us/req',
        baseline: name(BASELINE, 'cpu'),
        ratio: round(median(cpuRatios), 3),
        note: `${cpuNote}; ratio: median of per-round ratios`,
      });
    }
  }
  return [...rps, ...p99, ...cpu];
}

/** How the numbers were made, for the baseline's note. */
function method(settings: Settings, variants: Variant[], quick: boolean): string {
  const warmup = 'amount' in settings.warmup ? `${settings.warmup.amount} requests` : `${settings.warmup.duration} s`;
  return [
    `autocannon, ${settings.connections} connections, warm-up ${warmup} per server (all at once), ${settings.rounds} rounds x ${settings.duration} s interleaved (${variants.join(' ')})`,
    process.env.BENCH_HTTP_TSX === '1' ? 'servers under tsx' : 'servers compiled by esbuild, not under tsx (see lib/build.ts)',
    `server, autocannon and Redis share the machine's ${os.cpus().length} cores, nothing pinned: per-round ratios scatter, the median holds`,
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
