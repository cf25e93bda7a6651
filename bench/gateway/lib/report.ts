import { type Measurement, median, round } from '../../lib/measurement';
import type { Role, Sample } from './load';

/** The variants, in the order each round loads them. */
export const VARIANTS = ['direct', 'nginx', 'standalone-mfa', 'standalone-bypass', 'nginx-auth'] as const;
export type Variant = (typeof VARIANTS)[number];

/** What each variant is, for the notes. */
export const DESCRIPTIONS: Record<Variant, string> = {
  direct: 'the upstream (node:http answering a JSON body of 37 to 47 bytes) called directly',
  nginx: 'nginx 1.22.1 reverse-proxying the upstream, no authentication (one worker, keep-alive to the client and the upstream): the floor a real proxy sets',
  'standalone-mfa':
    'the gateway standalone (Fastify, @fastify/reply-from) on the `mfa` rule: HS256 token verified (jose), the MFA session checked (memory stores), the request forwarded with the identity headers',
  'standalone-bypass': 'the gateway standalone on the `bypass` rule: the token still verified (for the identity headers), no MFA check, forwarded',
  'nginx-auth': "nginx with auth_request to the gateway's /authz/auth-request (mfa rule, same credentials): a keep-alive subrequest per request, then the proxying",
};

/** The processes that serve a variant in front of the upstream: whose CPU time is the variant's ("server CPU"). */
const FRONT: Record<Variant, Role[]> = {
  direct: ['upstream'],
  nginx: ['nginx'],
  'standalone-mfa': ['gateway'],
  'standalone-bypass': ['gateway'],
  'nginx-auth': ['nginx', 'gateway'],
};

/** The comparisons the issue asks for, beside each variant's against the direct call. */
const VERSUS_NGINX: Partial<Record<Variant, string>> = {
  'standalone-mfa': 'gateway/nginx',
  'standalone-bypass': 'gateway (bypass)/nginx',
  'nginx-auth': 'nginx+auth_request/nginx',
};

const NO_TARGET = 'no target yet (a later performance issue sets them)';

/** The server CPU of a sample: its front processes' CPU time per request, µs, or null where /proc could not be read. */
export function frontCpu(variant: Variant, sample: Sample): number | null {
  const parts = FRONT[variant].map((role) => sample.cpu[role]);
  return parts.every((us) => us !== undefined) ? (parts as number[]).reduce((sum, us) => sum + us, 0) : null;
}

/**
 * Per variant: the median req/s over the rounds, and the server CPU per request (of the processes
 * in front of the upstream; the upstream's own for the direct call), each compared with the
 * direct call and, for the gateway's variants, with nginx by the median of per-round ratios.
 * No targets: `met` stays undefined.
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
      const label = variant === 'nginx' ? 'nginx/direct' : variant === 'nginx-auth' ? 'nginx+auth_request/direct' : 'gateway/direct';
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
