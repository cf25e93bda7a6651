import { compileRules, type MatchRequest } from '../rules';
import type { Policy, Rule } from '../types';

// Which paths no rule holds for, so that `default_policy` decides them: what `mfakit-gateway
// check` warns about. check.ts prints it.

/** A path prefix of the rules under which some request matches no rule. */
export interface FallThrough {
  /** The prefix, as the rules spell its segment: `/api/`. */
  prefix: string;
  /** One request that falls through, for the message: `POST /api/*` (`*` any segment), or `/api/* with a method no rule names`. */
  example: string;
  /** True when a rule would hold there but for its `roles`, `users` or `hosts`: it falls through for other users or hosts. */
  conditional: boolean;
}

/** Methods every prefix is probed with, besides those the rules name: they stand for all others. */
const COMMON_METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'];
/** The method a probe uses for "any method the rules do not name". */
const OTHER_METHOD = 'MFAKIT-OTHER';
/**
 * A path segment no glob names: only `*` and `**` match it. Probes are made of it, so a glob that
 * matches a probe matches every path of the same depth under the prefix.
 */
const PROBE_SEGMENT = 'mfakit-check-probe';
/** A host no rule names. */
const PROBE_HOST = 'mfakit-check-probe.invalid';

/**
 * The top-level prefixes of the rules under which some request matches no rule, and so falls
 * through to the default policy.
 *
 * The method, exact for what rules match: each prefix `/p/` is the first segment of a glob, when
 * it is literal (`/api/**` gives `/api/`; a glob that starts with `*` gives none). Under it, paths of each depth from 1 (`/p`
 * itself) to one more than the deepest glob are probed, made of a segment no glob names: a glob
 * matches such a path only through `*` and `**`, so when one matches the probe of a depth it
 * matches every path of that depth under the prefix, and when none does the probe itself falls
 * through. Deeper paths behave as the deepest probe (only globs with `**` reach them). Each depth
 * is probed with every method the rules name, the common ones, and one no rule names (for "any
 * other method"); with no user and a host no rule names, so that rules with `roles`, `users` or
 * `hosts` count only for the users and hosts they name.
 *
 * @param rules - The rules, in order.
 * @param defaultPolicy - The default policy (what the fall-through gets; it does not change the answer).
 * @returns The prefixes that leak to the default policy, in the order the rules first name them.
 * @example
 * fallThroughs([{ methods: ['GET'], paths: ['/api/**'], policy: 'mfa' }], 'bypass');
 * // [{ prefix: '/api/', example: 'POST /api', conditional: false }]
 */
export function fallThroughs(rules: readonly Rule[], defaultPolicy: Policy): FallThrough[] {
  const match = compileRules(rules, defaultPolicy);
  // The same rules, whoever sends the request and to whichever host.
  const unconditional = compileRules(
    rules.map(({ roles: _roles, users: _users, hosts: _hosts, ...rule }) => rule),
    defaultPolicy,
  );
  const named = new Set(rules.flatMap((rule) => rule.methods ?? []));
  const methods = [...new Set([...COMMON_METHODS, ...named, OTHER_METHOD])];
  const deepest = Math.max(0, ...rules.flatMap((rule) => rule.paths.map((glob) => glob.split('/').filter(Boolean).length)));

  const found: FallThrough[] = [];
  for (const segment of prefixSegments(rules)) {
    const leak = firstLeak(segment, deepest + 1, methods, (request) => match(request, null).rule === null);
    if (!leak) continue;
    const path = `/${[segment, ...Array<string>(leak.depth - 1).fill('*')].join('/')}`;
    const example = leak.method === OTHER_METHOD ? `${path} with a method no rule names` : `${leak.method} ${path}`;
    found.push({ prefix: `/${segment}/`, example, conditional: unconditional(leak, null).rule !== null });
  }
  return found;
}

/** The literal first segments of the globs, once each (compared without regard to case, as rules match). */
function prefixSegments(rules: readonly Rule[]): string[] {
  const seen = new Map<string, string>();
  for (const rule of rules) {
    for (const glob of rule.paths) {
      const first = glob.split('/')[1];
      if (first && !first.includes('*') && !seen.has(first.toLowerCase())) seen.set(first.toLowerCase(), first);
    }
  }
  return [...seen.values()];
}

/** The first probe under `/segment` (by depth, then method) that `fallsThrough`, or null. */
function firstLeak(segment: string, depths: number, methods: string[], fallsThrough: (request: MatchRequest) => boolean): (MatchRequest & { depth: number }) | null {
  for (let depth = 1; depth <= depths; depth += 1) {
    const path = `/${[segment, ...Array<string>(depth - 1).fill(PROBE_SEGMENT)].join('/')}`;
    for (const method of methods) {
      const request = { method, path, host: PROBE_HOST };
      if (fallsThrough(request)) return { ...request, depth };
    }
  }
  return null;
}
