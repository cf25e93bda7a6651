import { formatRoutes, type GuardedRoute, type RouteGuard } from '@mfakit/core/http';
import { requirementOfRule } from './decide';
import { fallThroughs } from './lib/coverage';
import type { GatewayConfig, Rule } from './types';

/** The names of the guards in the file's words, printed under the table. */
const LEGEND = 'GUARD: requireMfa for policy mfa, skip for authenticated (a valid token, no MFA), NONE for bypass (no token needed), DENY for deny (403).';

/**
 * What `mfakit-gateway check` prints of a valid configuration: the rules as the adapters print
 * their routes (`formatRoutes` of `@mfakit/core/http`: METHOD, PATH, GUARD), in the order they
 * are tried, then what the default policy decides, the names of the guards, and warnings.
 *
 * A rule gives one line per method (`ALL` when it names none), per host (written before the path:
 * `api.example.com/admin/**`) and per path glob. Its guard: `mfa` is `requireMfa` with the
 * requirement the gateway asks the core (`maxAge`, `methods` for `factors`, `once`, `once
 * bindBody`); `authenticated` is `skip` (MFA skipped on purpose, a token still needed); `bypass` is
 * `NONE` (nothing checked); `deny` is `DENY`. A rule with `roles` or `users` holds only for them:
 * the line ends with `when roles=...`.
 *
 * Warnings: when `default_policy` is not `deny`, each top-level prefix of the rules under which some
 * request matches no rule (see `fallThroughs` in lib/coverage.ts, which says how it is found), with
 * an example; and each `once: { bind_body: true }` rule, which forward auth cannot serve.
 *
 * @param config - A resolved configuration.
 * @returns The text, lines separated by `\n`, without a final newline.
 * @example
 * console.log(checkReport(loadConfig('gateway.yaml')));
 * // METHOD  PATH            GUARD
 * // ALL     /healthz        NONE
 * // ALL     /admin/**       DENY
 * // POST    /api/transfers  requireMfa maxAge=300s
 * // ALL     /api/**         requireMfa
 * // everything else: default_policy deny
 * //
 * // GUARD: requireMfa for policy mfa, skip for authenticated (a valid token, no MFA), NONE for bypass (no token needed), DENY for deny (403).
 */
export function checkReport(config: GatewayConfig): string {
  const rows = config.rules.flatMap((rule, index) => rowsOf(rule, index));
  const lines = rows.length === 0 ? ['(no rules)'] : formatRoutes(rows.map((row) => row.route)).split('\n');
  // The guard is the last column: a rule's user conditions follow it.
  const table = lines.map((line, i) => (rows[i - 1]?.when ? `${line}  when ${rows[i - 1]!.when}` : line));
  return [...table, `everything else: default_policy ${config.defaultPolicy}`, '', LEGEND, ...warnings(config)].join('\n');
}

/** One line of the table: a method, a host and a path of a rule. */
interface Row {
  route: GuardedRoute;
  /** The rule's user conditions (`roles=admin users=alice`), or ''. */
  when: string;
}

function rowsOf(rule: Rule, index: number): Row[] {
  const guard = guardOf(rule, index);
  const when = [rule.roles && `roles=${rule.roles.join(',')}`, rule.users && `users=${rule.users.join(',')}`].filter(Boolean).join(' ');
  const rows: Row[] = [];
  for (const method of rule.methods ?? ['ALL']) {
    for (const host of rule.hosts ?? ['']) {
      for (const path of rule.paths) rows.push({ route: { method, path: host + path, guard }, when });
    }
  }
  return rows;
}

/** The guard of a rule, as {@link checkReport} says. The requirement is the one `createDecider` asks the core. */
function guardOf(rule: Rule, index: number): RouteGuard {
  switch (rule.policy) {
    case 'mfa':
      return { by: 'requireMfa', requirement: requirementOfRule(rule, index) };
    case 'authenticated':
      return { by: 'skip' };
    case 'bypass':
      return { by: 'none' };
    case 'deny':
      return { by: 'deny' };
  }
}

/** The warning lines: fall-through prefixes (unless the default denies), body-bound rules. */
function warnings(config: GatewayConfig): string[] {
  const lines: string[] = [];
  if (config.defaultPolicy !== 'deny') {
    for (const leak of fallThroughs(config.rules, config.defaultPolicy)) {
      const who = leak.conditional ? ', for users or hosts the rules there do not name' : '';
      lines.push(`warning: paths under ${leak.prefix} fall through to default_policy: ${config.defaultPolicy} (e.g. ${leak.example}${who})`);
    }
  }
  for (const rule of config.rules) {
    if (!rule.once?.bindBody) continue;
    const where = `${(rule.methods ?? ['ALL']).join(',')} ${rule.paths.join(' ')}${rule.line === undefined ? '' : ` (line ${rule.line})`}`;
    lines.push(`warning: ${where} binds step-up grants to the body, which forward auth (/authz/*) never sees: a proxy's check of it is refused (403); standalone mode serves it`);
  }
  return lines;
}
