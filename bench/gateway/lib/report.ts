import { type Measurement, median, round, spreadOf } from '../../lib/measurement';
import type { Role, Sample } from './load';

/** The variants, in the order each round loads them. */
export const VARIANTS = ['direct', 'nginx', 'floor-proxy', 'standalone-mfa', 'standalone-bypass', 'floor-auth', 'nginx-auth'] as const;
export type Variant = (typeof VARIANTS)[number];

/** What each variant is, for the notes. */
export const DESCRIPTIONS: Record<Variant, string> = {
  direct: 'the upstream (node:http answering a JSON body of 37 to 47 bytes) called directly',
  nginx: 'nginx 1.22.1 reverse-proxying the upstream, no authentication (one worker, keep-alive to the client and the upstream): the floor a real proxy sets',
  'floor-proxy':
    'the floor of an MFA gateway in Node (bench/gateway/floor.ts): node:http, the bearer token and the SHA-256 of the session token looked up in Maps, the request forwarded with undici Pool.stream; no rules, checks or problem answers',
  'standalone-mfa':
    'the gateway standalone (Fastify, undici Pool.stream) on the `mfa` rule: HS256 token verified (jose), the MFA session checked (memory stores), the request forwarded with the identity headers',
  'standalone-bypass': 'the gateway standalone on the `bypass` rule: the token still verified (for the identity headers), no MFA check, forwarded',
  'floor-auth': 'nginx with auth_request to the floor process (the same lookups, a 200 with the identity headers): the floor of forward auth in Node',
  'nginx-auth': "nginx with auth_request to the gateway's /authz/auth-request (mfa rule, same credentials): a keep-alive subrequest per request, then the proxying",
};

/** The processes that serve a variant in front of the upstream: whose CPU time is the variant's ("server CPU"). */
const FRONT: Record<Variant, Role[]> = {
  direct: ['upstream'],
  nginx: ['nginx'],
  'floor-proxy': ['floor'],
  'standalone-mfa': ['gateway'],
  'standalone-bypass': ['gateway'],
  'floor-auth': ['nginx', 'floor'],
  'nginx-auth': ['nginx', 'gateway'],
};

/** The comparisons the issue asks for, beside each variant's against the direct call. */
const VERSUS_NGINX: Partial<Record<Variant, string>> = {
  'floor-proxy': 'floor/nginx',
  'standalone-mfa': 'gateway/nginx',
  'standalone-bypass': 'gateway (bypass)/nginx',
  'floor-auth': 'nginx+auth_request to the floor/nginx',
  'nginx-auth': 'nginx+auth_request/nginx',
};

const NO_TARGET = 'no target (the headline rows gateway.cpu_added_us, gateway.rps_vs_nginx and gateway.forward_auth.us have them)';

/** The server CPU of a sample: its front processes' CPU time per request, µs, or null where /proc could not be read. */
export function frontCpu(variant: Variant, sample: Sample): number | null {
  const parts = FRONT[variant].map((role) => sample.cpu[role]);
  return parts.every((us) => us !== undefined) ? (parts as number[]).reduce((sum, us) => sum + us, 0) : null;
}

/**
 * Per variant: the median req/s over the rounds, and the server CPU per request (of the processes
 * in front of the upstream; the upstream's own for the direct call), each compared with the
 * direct call and, for the gateway's and the floor's variants, with nginx by the median of
 * per-round ratios. No targets here: {@link headlineRows} has them.
 */
export function measurementsOf(samples: Map<Variant, Sample[]>, method: string): Measurement[] {
  const name = (variant: Variant, what: string) => `gateway.${variant}.${what}`;
  const rps: Measurement[] = [];
  const cpu: Measurement[] = [];
  const ratio = (variant: Variant, base: Variant, of: (sample: Sample, v: Variant) => number | null) => {
    const ratios = samples.get(variant)!.flatMap((sample, i) => {
      const value = of(sample, variant);
      const baseValue = of(samples.get(base)![i]!, base);
      return value === null || baseValue === null || baseValue === 0 ? [] : [value / baseValue];
    });
    return { value: round(median(ratios), 3), perRound: `per-round ratios ${ratios.map((x) => x.toFixed(3)).join(', ')}` };
  };
  const rpsOf = (sample: Sample) => sample.rps;
  for (const variant of VARIANTS) {
    const runs = samples.get(variant)!;
    const value = Math.round(median(runs.map(rpsOf)));
    const p99 = `p99 ${round(median(runs.map((s) => s.p99)), 2)} ms (median over rounds)`;
    if (variant === 'direct') {
      rps.push({ name: name(variant, 'rps'), value, unit: 'req/s', note: `the baseline: ${DESCRIPTIONS[variant]}; ${p99}; ${method}` });
    } else {
      const vsDirect = ratio(variant, 'direct', rpsOf);
      const label = `${variant}/direct`;
      rps.push({ name: name(variant, 'rps'), value, unit: 'req/s', baseline: name('direct', 'rps'), ratio: vsDirect.value, note: `${label}: ${DESCRIPTIONS[variant]}; ${p99}; ${vsDirect.perRound}` });
    }
    const versus = VERSUS_NGINX[variant];
    if (versus) {
      const vsNginx = ratio(variant, 'nginx', rpsOf);
      rps.push({ name: name(variant, 'rps.vs-nginx'), value, unit: 'req/s', baseline: name('nginx', 'rps'), ratio: vsNginx.value, note: `${versus}, throughput; ${NO_TARGET}; ${vsNginx.perRound}` });
    }
    const cpus = runs.map((sample) => frontCpu(variant, sample));
    if (cpus.some((us) => us === null)) continue;
    const cpuValue = round(median(cpus as number[]), 1);
    const upstream = variant === 'direct' ? '' : `; the upstream behind it spent ${round(median(runs.map((s) => s.cpu.upstream ?? Number.NaN)), 1)} us/req`;
    const split = variant === 'nginx-auth' ? `; of which nginx ${round(median(runs.map((s) => s.cpu.nginx!)), 1)}, the gateway ${round(median(runs.map((s) => s.cpu.gateway!)), 1)} us/req` : '';
    const whose = `server CPU (user + system, /proc) per request of ${FRONT[variant].join(' + ')}, median over rounds${split}${upstream}`;
    if (variant === 'direct') cpu.push({ name: name(variant, 'cpu'), value: cpuValue, unit: 'us/req', note: whose });
    else {
      const vsDirect = ratio(variant, 'direct', (sample, v) => frontCpu(v, sample));
      cpu.push({ name: name(variant, 'cpu'), value: cpuValue, unit: 'us/req', baseline: name('direct', 'cpu'), ratio: vsDirect.value, note: `${whose}; ratio to what the upstream spends answering` });
    }
    if (versus) {
      const vsNginx = ratio(variant, 'nginx', (sample, v) => frontCpu(v, sample));
      cpu.push({
        name: name(variant, 'cpu.vs-nginx'),
        value: cpuValue,
        unit: 'us/req',
        baseline: name('nginx', 'cpu'),
        ratio: vsNginx.value,
        note: `${versus}, CPU per request; ${NO_TARGET}; ${vsNginx.perRound}`,
      });
    }
  }
  return [...rps, ...cpu];
}

/** One round's line for the log: req/s and server CPU per request of each variant. */
export function describeRound(variant: Variant, sample: Sample): string {
  const us = frontCpu(variant, sample);
  return `${variant} ${Math.round(sample.rps)}/s${us === null ? '' : ` ${Math.round(us)} us cpu`}`;
}

/**
 * The issue's targets, and the margin above the floor measured in the same run that stands in for
 * a target the floor makes unreachable on the machine (see BENCHMARKS.md, "The gateway"): the
 * target is the larger of the two.
 */
const TARGETS = {
  /** The gateway's CPU per proxied request, µs; margin: the floor's CPU times this. */
  cpuAddedUs: { target: 60, floorTimes: 1.5 },
  /** The gateway's req/s over nginx's; margin: the floor's ratio times this. */
  rpsVsNginx: { target: 0.6, floorTimes: 0.75 },
  /** The gateway's CPU per auth_request decision, µs; margin: the floor's CPU times this. */
  forwardAuthUs: { target: 40, floorTimes: 1.5 },
} as const;

/**
 * The three headline rows with their targets: the gateway's own CPU per proxied request
 * (`gateway.cpu_added_us`: the upstream does the same work either way), its throughput over
 * nginx's (`gateway.rps_vs_nginx`, median of per-round ratios) and its CPU per auth_request
 * decision behind nginx (`gateway.forward_auth.us`); each beside the floor process's figure in
 * the same rounds, with the spread of its rounds.
 */
export function headlineRows(samples: Map<Variant, Sample[]>, quick: boolean): Measurement[] {
  const per = (variant: Variant, of: (sample: Sample) => number | undefined) =>
    samples
      .get(variant)!
      .map(of)
      .filter((x): x is number => x !== undefined);
  const ratios = (variant: Variant) => samples.get(variant)!.map((sample, i) => sample.rps / samples.get('nginx')![i]!.rps);
  const caveat = quick ? '; a quick run: indicative only' : '';
  const row = (name: string, unit: string, values: number[], floorValues: number[], goal: { target: number; floorTimes: number }, atMost: boolean, words: string) => {
    const digits = unit === 'ratio' ? 3 : 1;
    const value = round(median(values), digits);
    const floor = round(median(floorValues), digits);
    const fromFloor = round(floor * goal.floorTimes, digits);
    const target = atMost ? Math.max(goal.target, fromFloor) : Math.min(goal.target, fromFloor);
    const set = target === goal.target ? `the issue's target` : `the floor's ${floor} x ${goal.floorTimes} (the issue's ${goal.target} is beyond the floor here)`;
    return {
      name,
      value,
      unit,
      target: `${atMost ? '<=' : '>='} ${target}${unit === 'ratio' ? '' : ' us'}`,
      met: atMost ? value <= target : value >= target,
      spread: spreadOf(values, digits),
      note: `${words}; the floor process in the same rounds: ${floor} (spread ${JSON.stringify(spreadOf(floorValues, digits))}); target: ${set}${caveat}`,
    } satisfies Measurement;
  };
  return [
    row(
      'gateway.cpu_added_us',
      'us/req',
      per('standalone-mfa', (s) => s.cpu.gateway),
      per('floor-proxy', (s) => s.cpu.floor),
      TARGETS.cpuAddedUs,
      true,
      "the gateway's CPU per request standalone on the `mfa` rule (token, MFA session, forwarding), median of the rounds: what it adds, since the upstream does the same work either way (its own CPU per request moves with how its requests arrive, see gateway.standalone-mfa.cpu)",
    ),
    row(
      'gateway.rps_vs_nginx',
      'ratio',
      ratios('standalone-mfa'),
      ratios('floor-proxy'),
      TARGETS.rpsVsNginx,
      false,
      'req/s of the gateway standalone on the `mfa` rule over nginx proxy_pass to the same upstream, median of per-round ratios; load generator, proxy and upstream share the two cores',
    ),
    row(
      'gateway.forward_auth.us',
      'us/req',
      per('nginx-auth', (s) => s.cpu.gateway),
      per('floor-auth', (s) => s.cpu.floor),
      TARGETS.forwardAuthUs,
      true,
      "the gateway's CPU per auth_request decision behind nginx (GET /authz/auth-request, the `mfa` rule), median of the rounds",
    ),
  ];
}
