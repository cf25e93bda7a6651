// Threat: an operator who cannot see what the rules let through. First-match rules read top to
// bottom are easy to get wrong: a prefix covered for GET only, a rule that holds for one host or
// one role, a glob one segment too short, and the request falls through to a permissive
// default_policy without anyone noticing. `mfakit-gateway check` prints the rules as the adapters
// print their routes, names every prefix that falls through, and says which rules forward auth
// cannot serve.
import { checkReport, type GatewayConfig, parseConfig } from '@mfakit/gateway';

const HEAD = 'issuer: Acme\ntokens:\n  jwks_uri: https://idp.example.com/jwks.json\nupstream: http://127.0.0.1:9000\n';
const LEGEND = 'GUARD: requireMfa for policy mfa, skip for authenticated (a valid token, no MFA), NONE for bypass (no token needed), DENY for deny (403).';

function config(defaultPolicy: string, rules: string): GatewayConfig {
  return parseConfig(`${HEAD}default_policy: ${defaultPolicy}\nrules:\n${rules}\n`, '/etc/mfakit/gateway.yaml', {});
}

/** The lines of the report that are warnings. */
const warningsOf = (report: string) => report.split('\n').filter((line) => line.startsWith('warning: '));

describe('checkReport: the rules as a route table', () => {
  it('prints one line per method, host and path, in the order the rules are tried, then the default policy', () => {
    const report = checkReport(
      config(
        'deny',
        `  - { paths: ['/healthz', '/public/**'], policy: bypass }
  - { hosts: [admin.example.com, '*.admin.example.com'], paths: ['/admin/**'], roles: [admin], users: [alice], policy: mfa, factors: [hwk] }
  - { paths: ['/admin/**'], policy: deny }
  - { methods: [POST, PUT], paths: ['/api/transfers'], policy: mfa, max_age: 5m }
  - { methods: [POST], paths: ['/api/payees'], policy: mfa, once: { bind_body: true } }
  - { methods: [DELETE], paths: ['/api/payees/*'], policy: mfa, once: true, max_age: 1m }
  - { methods: [GET, HEAD], paths: ['/api/catalog/**'], policy: authenticated }
  - { paths: ['/api/**'], policy: mfa }`,
      ),
    );
    expect(report.split('\n')).toEqual([
      'METHOD  PATH                          GUARD',
      'ALL     /healthz                      NONE',
      'ALL     /public/**                    NONE',
      'ALL     admin.example.com/admin/**    requireMfa methods=hwk  when roles=admin users=alice',
      'ALL     *.admin.example.com/admin/**  requireMfa methods=hwk  when roles=admin users=alice',
      'ALL     /admin/**                     DENY',
      'POST    /api/transfers                requireMfa maxAge=300s',
      'PUT     /api/transfers                requireMfa maxAge=300s',
      'POST    /api/payees                   requireMfa once bindBody maxAge=300s',
      'DELETE  /api/payees/*                 requireMfa once maxAge=60s',
      'GET     /api/catalog/**               skip',
      'HEAD    /api/catalog/**               skip',
      'ALL     /api/**                       requireMfa',
      'everything else: default_policy deny',
      '',
      LEGEND,
      "warning: POST /api/payees (line 11) binds step-up grants to the body, which forward auth (/authz/*) never sees: a proxy's check of it is refused (403); standalone mode serves it",
    ]);
  });

  it('says when there is no rule', () => {
    expect(checkReport(config('deny', '  []'))).toBe(['(no rules)', 'everything else: default_policy deny', '', LEGEND].join('\n'));
  });
});

describe('checkReport: prefixes that fall through to the default policy', () => {
  it.each([
    // [the rules, the warnings]
    ["  - { paths: ['/api/**'], policy: mfa }", []],
    ["  - { methods: [GET], paths: ['/api/**'], policy: mfa }", ['paths under /api/ fall through to default_policy: bypass (e.g. POST /api)']],
    ["  - { paths: ['/files/*'], policy: mfa }", ['paths under /files/ fall through to default_policy: bypass (e.g. GET /files)']],
    ["  - { paths: ['/files', '/files/*'], policy: mfa }", ['paths under /files/ fall through to default_policy: bypass (e.g. GET /files/*/*)']],
    ["  - { paths: ['/files', '/files/*', '/files/*/**'], policy: mfa }", []],
    ["  - { paths: ['/v1/**/*.json'], policy: mfa }\n  - { paths: ['/v1/**'], methods: [GET], policy: authenticated }", ['paths under /v1/ fall through to default_policy: bypass (e.g. POST /v1)']],
    ["  - { paths: ['/healthz'], policy: bypass }", ['paths under /healthz/ fall through to default_policy: bypass (e.g. GET /healthz/*)']],
    [
      "  - { methods: [GET, POST, PUT, PATCH, DELETE, OPTIONS], paths: ['/api/**'], policy: mfa }",
      ['paths under /api/ fall through to default_policy: bypass (e.g. /api with a method no rule names)'],
    ],
    [
      "  - { hosts: [admin.example.com], paths: ['/admin/**'], policy: mfa }\n  - { roles: [ops], paths: ['/ops/**'], policy: mfa }",
      [
        'paths under /admin/ fall through to default_policy: bypass (e.g. GET /admin, for users or hosts the rules there do not name)',
        'paths under /ops/ fall through to default_policy: bypass (e.g. GET /ops, for users or hosts the rules there do not name)',
      ],
    ],
    // A later catch-all covers what an earlier rule leaves.
    ["  - { methods: [GET], paths: ['/api/**'], policy: mfa }\n  - { paths: ['/**'], policy: deny }", []],
  ])('%s', (rules, warnings) => {
    const report = checkReport(config('bypass', rules));
    expect(warningsOf(report)).toEqual(warnings.map((warning) => `warning: ${warning}`));
    expect(report).toContain('\neverything else: default_policy bypass\n');
  });

  it('names the default policy in each warning', () => {
    expect(warningsOf(checkReport(config('authenticated', "  - { methods: [GET], paths: ['/api/**'], policy: mfa }")))).toEqual([
      'warning: paths under /api/ fall through to default_policy: authenticated (e.g. POST /api)',
    ]);
  });

  it('warns of nothing when the default policy denies: what falls through is refused', () => {
    const report = checkReport(config('deny', "  - { methods: [GET], paths: ['/api/*'], policy: mfa }\n  - { paths: ['/healthz'], policy: bypass }"));
    expect(warningsOf(report)).toEqual([]);
    expect(report.split('\n').at(-3)).toBe('everything else: default_policy deny');
  });

  it('compares prefixes without regard to case, as rules match', () => {
    expect(warningsOf(checkReport(config('bypass', "  - { methods: [GET], paths: ['/API/**'], policy: mfa }\n  - { paths: ['/api/**'], policy: mfa }")))).toEqual([]);
  });
});
