// The gateway against a real proxy and against the floor of a Node gateway, in one run, in front
// of the same tiny upstream: the upstream called directly (the baseline), nginx reverse-proxying
// it without authentication (the floor a real proxy sets), the floor process (floor.ts: the least
// an MFA gateway in Node does, standalone and behind nginx's auth_request), the gateway's
// standalone mode on an `mfa` rule (a valid token and a live MFA session) and on a `bypass` rule,
// and nginx with auth_request to the gateway. Each runs in its own processes on loopback
// (upstream.ts, floor.ts, gateway.ts, nginx from a temporary prefix), autocannon drives them in
// turn round by round, and each comparison is the median of per-round values: requests per second
// and the CPU time per request of the processes in front of the upstream (/proc). The headline
// rows (lib/report.ts `headlineRows`) hold the targets, judged beside the floor measured in
// the same rounds. With BENCH_GATEWAY_PROFILE=<folder>, an extra pass profiles the gateway under
// the standalone `mfa` load and the note says where its CPU went.
import { mkdirSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { summariseProfile } from '../http/lib/profile';
import type { Measurement, Suite } from '../lib/measurement';
import { buildProcesses } from './lib/build';
import { type Child, startChild } from './lib/children';
import { BENCH_USER, BYPASS_PATH, gatewayYaml, MFA_PATH } from './lib/config';
import { type LoadOptions, load, type Sample, type Target } from './lib/load';
import { type RunningNginx, startNginx } from './lib/nginx';
import { describeProfile } from './lib/profile';
import { describeRound, headlineRows, measurementsOf, VARIANTS, type Variant } from './lib/report';
import { openSession } from './lib/session';

const CONNECTIONS = Number(process.env.BENCH_GATEWAY_CONNECTIONS ?? 10); // autocannon's default, as bench/http
const PROFILE_SLICES = 6;
const PROFILE_FILE = 'gateway-standalone-mfa.cpuprofile';

interface Settings {
  rounds: number;
  /** Seconds of load on each variant in each round. */
  duration: number;
  /** Load on every variant at once before the first round: V8 optimises by call counts. */
  warmup: { duration: number } | { amount: number };
}

type UpstreamReady = { ready: boolean; port: number };
type GatewayReady = { ready: boolean; port: number; token: string };

const suite = (async ({ quick, log }) => {
  // By request count: a cold gateway spends up to five times the CPU per request, and the
  // variants through it (and through the floor) share its warm-up.
  const settings: Settings = quick ? { rounds: 3, duration: 0.5, warmup: { amount: 3000 } } : { rounds: 20, duration: 0.5, warmup: { amount: 10_000 } };
  const profileDir = process.env.BENCH_GATEWAY_PROFILE;
  // Everything started, stopped in reverse order in `finally`, or on Ctrl-C.
  const cleanups: (() => unknown)[] = [];
  const cleanUp = async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await Promise.resolve(cleanup()).catch((err: unknown) => log(`cleaning up: ${(err as Error).message}`));
  };
  const interrupted = () => void cleanUp().finally(() => process.exit(130));
  process.once('SIGINT', interrupted).once('SIGTERM', interrupted);
  try {
    const t0 = Date.now();
    const built = await buildProcesses();
    cleanups.push(built.remove);
    const upstream = await startChild<UpstreamReady>('upstream', process.execPath, [built.upstream], { NODE_ENV: 'production' });
    cleanups.push(upstream.stop);
    const upstreamUrl = `http://127.0.0.1:${upstream.ready.port}`;
    const profileFile = profileDir ? path.resolve(profileDir, PROFILE_FILE) : undefined;
    const gateway = await startChild<GatewayReady>('gateway', process.execPath, [built.gateway], {
      NODE_ENV: 'production',
      BENCH_GATEWAY_CONFIG: gatewayYaml(upstreamUrl),
      ...(profileFile ? { BENCH_CPU_PROFILE: profileFile } : {}),
    });
    cleanups.push(gateway.stop);
    const gatewayUrl = `http://127.0.0.1:${gateway.ready.port}`;
    const headers = await openSession(gatewayUrl, gateway.ready.token);
    const floor = await startChild<UpstreamReady>('floor', process.execPath, [built.floor], {
      NODE_ENV: 'production',
      BENCH_UPSTREAM_URL: upstreamUrl,
      BENCH_FLOOR_TOKEN: gateway.ready.token,
      BENCH_FLOOR_SESSION: headers['x-session-token']!,
    });
    cleanups.push(floor.stop);
    // Every process has loaded its code: the folder goes now, not only in `finally`, which a
    // SIGKILL skips. A profile needs its source map until it is summarised.
    if (!profileFile) built.remove();
    const nginx = await startNginx({ upstream: upstream.ready.port, gateway: gateway.ready.port, floor: floor.ready.port });
    cleanups.push(nginx.stop);
    log(`upstream, gateway, floor and nginx up, TOTP enrolled through ${gatewayUrl}/mfa in ${((Date.now() - t0) / 1000).toFixed(1)} s`);

    const targets = targetsOf({ upstreamUrl, gatewayUrl, nginx, upstream, gateway, floor, headers });
    await preflight(targets);
    const samples = await measure(targets, settings, log);
    const problems = [upstream, gateway, floor].filter((child) => child.stderr()).map((child) => `${child.name}: ${child.stderr().trim()}`);
    if (nginx.errors()) problems.push(`nginx: ${nginx.errors()}`);
    if (problems.length) log(`wrote errors during the load:\n${problems.join('\n')}`);

    let profileNote: string | undefined;
    if (profileFile) {
      mkdirSync(path.dirname(profileFile), { recursive: true });
      const requests = await profilePass(gateway, targets.get('standalone-mfa')!);
      await revocationHolds(gateway, targets);
      await gateway.stop(); // writes the profile
      const shown = path.relative(process.cwd(), profileFile);
      profileNote = describeProfile(summariseProfile(profileFile, requests), shown.startsWith('..') ? profileFile : shown);
      log(profileNote);
    } else await revocationHolds(gateway, targets);

    const results = [...headlineRows(samples, quick), ...measurementsOf(samples, method(settings, quick))];
    if (profileNote) {
      const row = results.find((m) => m.name === 'gateway.cpu_added_us');
      if (row) row.note = `${row.note}. ${profileNote}`;
    }
    return results satisfies Measurement[];
  } finally {
    process.off('SIGINT', interrupted).off('SIGTERM', interrupted);
    await cleanUp();
  }
}) satisfies Suite;
export default suite;

/** What autocannon loads for each variant, and whose CPU time each one's requests cost. */
function targetsOf(parts: {
  upstreamUrl: string;
  gatewayUrl: string;
  nginx: RunningNginx;
  upstream: Child<UpstreamReady>;
  gateway: Child<GatewayReady>;
  floor: Child<UpstreamReady>;
  headers: Record<string, string>;
}): Map<Variant, Target> {
  const { upstreamUrl, gatewayUrl, nginx, headers } = parts;
  const upstream = [parts.upstream.pid];
  const gateway = [parts.gateway.pid];
  const floor = [parts.floor.pid];
  const floorUrl = `http://127.0.0.1:${parts.floor.ready.port}`;
  // Every variant gets the same request headers: the same bytes on the wire, only the work differs.
  const all: Record<Variant, Omit<Target, 'name' | 'headers'>> = {
    direct: { url: `${upstreamUrl}${MFA_PATH}`, processes: { upstream } },
    nginx: { url: `${nginx.plainUrl}${MFA_PATH}`, processes: { upstream, nginx: nginx.pids } },
    'floor-proxy': { url: `${floorUrl}${MFA_PATH}`, processes: { upstream, floor } },
    'standalone-mfa': { url: `${gatewayUrl}${MFA_PATH}`, processes: { upstream, gateway } },
    'standalone-bypass': { url: `${gatewayUrl}${BYPASS_PATH}`, processes: { upstream, gateway } },
    'floor-auth': { url: `${nginx.floorAuthUrl}${MFA_PATH}`, processes: { upstream, nginx: nginx.pids, floor } },
    'nginx-auth': { url: `${nginx.authUrl}${MFA_PATH}`, processes: { upstream, nginx: nginx.pids, gateway } },
  };
  return new Map(VARIANTS.map((variant) => [variant, { name: variant, headers, ...all[variant] }]));
}

/** The variants that check the credentials: the MFA rule of the gateway and the floor process. */
const CHECKED = new Set<Variant>(['floor-proxy', 'standalone-mfa', 'floor-auth', 'nginx-auth']);

/**
 * Checks every variant before it is measured: the benchmark's request answers 200 with what the
 * upstream answers, carrying the user where the gateway decided; and where the `mfa` rule holds,
 * a request without the access token or without the MFA session is refused. A variant that let
 * those through would measure nothing.
 */
async function preflight(targets: Map<Variant, Target>): Promise<void> {
  const body = (user: string) => JSON.stringify({ user, plan: 'pro', quota: 1000 });
  const expected: Record<Variant, string> = {
    direct: body(''),
    nginx: body(''),
    'floor-proxy': body(BENCH_USER),
    'standalone-mfa': body(BENCH_USER),
    'standalone-bypass': body(BENCH_USER),
    'floor-auth': body(BENCH_USER),
    'nginx-auth': body(BENCH_USER),
  };
  for (const [variant, target] of targets) {
    const res = await fetch(target.url, { headers: target.headers });
    const text = await res.text();
    if (res.status !== 200 || text !== expected[variant]) throw new Error(`${variant}: the benchmark's request answered ${res.status} ${text}, not 200 ${expected[variant]}`);
    if (!CHECKED.has(variant)) continue;
    const { authorization, 'x-session-token': session } = target.headers;
    for (const [what, headers] of [
      ['without the access token', { 'x-session-token': session! }],
      ['without the MFA session', { authorization: authorization! }],
    ] as const) {
      const refused = await fetch(target.url, { headers });
      await refused.arrayBuffer();
      if (refused.status !== 401) throw new Error(`${variant}: a request ${what} answered ${refused.status}, not 401`);
    }
  }
}

/** Warms every variant at once, then loads them in turn, round by round. */
async function measure(targets: Map<Variant, Target>, settings: Settings, log: (line: string) => void): Promise<Map<Variant, Sample[]>> {
  const t0 = Date.now();
  await Promise.all([...targets.values()].map((target) => load(target, { connections: CONNECTIONS, ...settings.warmup })));
  log(`warmed up in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  const samples = new Map<Variant, Sample[]>(VARIANTS.map((variant) => [variant, []]));
  const options: LoadOptions = { connections: CONNECTIONS, duration: settings.duration };
  for (let r = 1; r <= settings.rounds; r++) {
    for (const [variant, target] of targets) samples.get(variant)!.push(await load(target, options));
    log(`round ${r}: ${VARIANTS.map((variant) => describeRound(variant, samples.get(variant)![r - 1]!)).join(', ')}`);
  }
  return samples;
}

/** Profiles the gateway under the standalone `mfa` load (it writes the profile when it stops); answers the requests it served meanwhile. */
async function profilePass(gateway: Child<GatewayReady>, target: Target): Promise<number> {
  await gateway.command('profile');
  let requests = 0;
  for (let slice = 0; slice < PROFILE_SLICES; slice++) requests += (await load(target, { connections: CONNECTIONS, duration: 0.5 })).requests;
  return requests;
}

/**
 * After the load, revokes the user and checks that the next request with the session is refused,
 * standalone and through nginx: a faster gateway that let a revoked session through (a cache of
 * decisions, say) would measure a weaker product.
 */
async function revocationHolds(gateway: Child<GatewayReady>, targets: Map<Variant, Target>): Promise<void> {
  await gateway.command('revoke');
  for (const variant of ['standalone-mfa', 'nginx-auth'] as const) {
    const target = targets.get(variant)!;
    const res = await fetch(target.url, { headers: target.headers });
    await res.arrayBuffer();
    if (res.ok) throw new Error(`${variant}: a request with a revoked session answered ${res.status}: the measured check does not honour revocation`);
  }
}

/** How the numbers were made, for the baseline's note. */
function method(settings: Settings, quick: boolean): string {
  const warmup = 'amount' in settings.warmup ? `${settings.warmup.amount} requests` : `${settings.warmup.duration} s`;
  return [
    `autocannon, ${CONNECTIONS} connections, warm-up ${warmup} per variant (all at once), ${settings.rounds} rounds x ${settings.duration} s interleaved (${VARIANTS.join(' ')})`,
    'the gateway and the upstream compiled by esbuild (not tsx), each in its own process; the gateway on memory stores',
    `autocannon, nginx, the gateway and the upstream share the machine's ${os.cpus().length} cores, nothing pinned: req/s moves with the neighbours, CPU per request far less`,
    ...(quick ? ['a quick run: indicative only'] : []),
  ].join('; ');
}
