// biome-ignore-all lint/suspicious/noTemplateCurlyInString: the files here hold ${NAME} references, literally
// Threat: a gateway that runs with a configuration other than the one its operator wrote. A
// misspelt key silently ignored (`defualt_policy: deny` leaving the default, a rule's `max_age`
// lost), an unset environment variable read as an empty secret, a value that cannot be matched
// (a path glob with `?` or `{`) making a rule never hold, so that requests fall through to a weaker
// policy. Each must stop the gateway before it starts, with the line and the setting to fix.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createMfa } from '@mfakit/core';
import { ConfigError, type GatewayConfig, loadConfig, parseConfig } from '@mfakit/gateway';

const FILE = '/etc/mfakit/gateway.yaml';
const KEY = `k1:${Buffer.alloc(32, 7).toString('base64')}`;
const SECRET = 'a-development-secret-of-32-chars!';
/** Lines 1 to 3 of most files here; what a case adds starts on line 4. */
const HEAD = 'issuer: Acme\ntokens:\n  jwks_uri: https://idp.example.com/jwks.json\n';

function parse(text: string, env: NodeJS.ProcessEnv = {}): GatewayConfig {
  return parseConfig(text, FILE, env);
}

function failure(text: string, env: NodeJS.ProcessEnv = {}, file = 'gateway.yaml'): ConfigError {
  try {
    parseConfig(text, file, env);
  } catch (err) {
    if (err instanceof ConfigError) return err;
    throw err;
  }
  throw new Error('expected a ConfigError');
}

/** HEAD, then `extra` from line 4, then `rules: []` unless `extra` has rules. */
function withHead(extra: string): string {
  return `${HEAD}${extra}\n${/^rules:/m.test(extra) ? '' : 'rules: []\n'}`;
}

describe('parseConfig: each wrong setting gives its own message, with its line and name', () => {
  // [what the file adds from line 4, the line, the setting, the message (or a part of it)]
  const cases: [string, number, string, string][] = [
    ['listen: localhost', 4, 'listen', 'must be host:port or a port, such as 127.0.0.1:8080 or 8080'],
    ['listen: 127.0.0.1:70000', 4, 'listen', 'must be host:port or a port'],
    ['upstream: http://127.0.0.1:9000/api', 4, 'upstream', 'must be an http or https origin (no path, query or fragment), such as http://127.0.0.1:9000'],
    ['upstream: http://127.0.0.1:9000?x=1', 4, 'upstream', 'must be an http or https origin'],
    ['upstream: ftp://127.0.0.1', 4, 'upstream', 'must be an http or https origin'],
    ['upstream: http://user:pw@127.0.0.1:9000', 4, 'upstream', 'must not hold credentials'],
    ['upstream:', 4, 'upstream', 'has no value: must be a string'],
    ['upstream_timeout: 0', 4, 'upstream_timeout', "must be a duration such as 300 or '5m', more than 0"],
    ['upstream_timeout: 5 minutes', 4, 'upstream_timeout', "must be a duration such as 300 or '5m'"],
    ['body_limit: 10 parsecs', 4, 'body_limit', "must be a number of bytes or a size such as '16kb' or '10mb'"],
    ['body_limit: 0', 4, 'body_limit', 'must be a number of bytes'],
    ['trusted_proxies: [10.0.0.0/33]', 4, 'trusted_proxies[0]', 'must be an IP address or a CIDR range, such as 10.0.0.0/8 or fd00::/8'],
    ['trusted_proxies:\n  - 10.0.0.1\n  - proxy.internal', 6, 'trusted_proxies[1]', 'must be an IP address or a CIDR range'],
    ['trusted_proxies: 10.0.0.1', 4, 'trusted_proxies', 'must be a list, such as [a, b]'],
    ['default_policy: allow', 4, 'default_policy', "must be one of 'bypass', 'authenticated', 'mfa', 'deny'"],
    ['mfa_path: mfa', 4, 'mfa_path', "must start with '/' and hold simple segments, with no trailing '/', such as /mfa"],
    ['mfa_path: /mfa/', 4, 'mfa_path', "must start with '/'"],
    ['mfa_path: /a/../mfa', 4, 'mfa_path', "must start with '/'"],
    ['mfa_path: /authz/mfa', 4, 'mfa_path', 'must not be under /authz (the forward-auth endpoints)'],
    ['admin_roles: admin', 4, 'admin_roles', 'must be a list'],
    ['data_dir: ""', 4, 'data_dir', 'must not be empty'],
    ['notifications_url: hooks.example.com/mfa', 4, 'notifications_url', 'must be an http or https URL'],
    ['encryption_keys: not-a-key', 4, 'encryption_keys', "must read 'kid:<32 bytes in base64>,...' (openssl rand -base64 32)"],
    ['encryption_keys: k1:c2hvcnQ=', 4, 'encryption_keys', "must read 'kid:<32 bytes in base64>,...'"],
    ['policy: { required: admins }', 4, 'policy.required', "must be 'everyone' or { roles: [admin, ...] }"],
    ['policy: { required: { roles: [] } }', 4, 'policy.required.roles', 'must not be empty'],
    ['policy: { required: { role: [admin] } }', 4, 'policy.required', "must be 'everyone' or { roles: [admin, ...] }"],
    ['policy: { trusted_amr: [MFA] }', 4, 'policy.trusted_amr[0]', 'must be an RFC 8176 method, such as otp, hwk or mfa'],
    ['policy: { enrollment_deadline: next week }', 4, 'policy.enrollment_deadline', 'must be an ISO 8601 date, or date and time with a zone, such as 2027-01-31T00:00:00Z'],
    ['policy: { enrollment_deadline: 2027-01-31T00:00:00 }', 4, 'policy.enrollment_deadline', 'must be an ISO 8601 date'],
    ['policy: { enrollment_deadline: 1800000000000 }', 4, 'policy.enrollment_deadline', 'must be an ISO 8601 date'],
    ['policy:\n  required: everyone\n  grace: 7d', 6, 'policy.grace', 'unknown setting; the settings here are required, trusted_amr, trusted_acr, enrollment_deadline'],
    ['session: { lifetime: forever }', 4, 'session.lifetime', "must be a duration such as 300 or '5m'"],
    ['session: { idle_timeout: -5 }', 4, 'session.idle_timeout', "must be a duration such as 300 or '5m'"],
    ['fresh_proof_max_age: 5 min', 4, 'fresh_proof_max_age', "must be a duration such as 300 or '5m'"],
    ['enrollment_ttl: 10M', 4, 'enrollment_ttl', "must be a duration such as 300 or '5m'"],
    ['throttle:\n  backoff: [30s, soon]', 5, 'throttle.backoff[1]', "must be a duration such as 300 or '5m'"],
    ['throttle: { max_failures: 2.5 }', 4, 'throttle.max_failures', 'must be a whole number'],
    ['throttle: { per_address: true }', 4, 'throttle.per_address', 'must be false or { max_failures, window }'],
    ['totp: { algorithm: md5 }', 4, 'totp.algorithm', "must be one of 'sha1', 'sha256', 'sha512'"],
    ['totp: { digits: 7 }', 4, 'totp.digits', 'must be 6 or 8'],
    ['hotp: { look_ahead: ten }', 4, 'hotp.look_ahead', 'must be a number'],
    ['webauthn: { rp_name: Acme, origins: [https://app.example.com] }', 4, 'webauthn.rp_id', 'is required'],
    [
      'webauthn: { rp_id: example.com, rp_name: Acme, origins: https://app.example.com, user_verification: always }',
      4,
      'webauthn.user_verification',
      "must be one of 'required', 'preferred', 'discouraged'",
    ],
    ['webauthn:\n  rp_id: example.com\n  rp_name: Acme\n  origins: []', 7, 'webauthn.origins', 'must not be empty'],
    ['webauthn: { rp_id: example.com, rp_name: Acme, origins: 443 }', 4, 'webauthn.origins', 'must be an origin or a list of origins'],
    ['webauthn: { rp_id: example.com, rp_name: Acme, origins: x, user_verified_is_mfa: yes }', 4, 'webauthn.user_verified_is_mfa', 'must be true or false'],
    ['recovery_code_cost: high', 4, 'recovery_code_cost', 'must be a number'],
    ['rules: {}', 4, 'rules', 'must be a list'],
    ['rules:', 4, 'rules', 'has no value: must be a list'],
    // rules: the rule starts on line 5
    ['rules:\n  - { paths: [/api/**] }', 5, 'rules[0].policy', 'is required'],
    ['rules:\n  - { policy: mfa }', 5, 'rules[0].paths', 'is required'],
    ['rules:\n  - { paths: [], policy: mfa }', 5, 'rules[0].paths', 'must not be empty'],
    ['rules:\n  - { paths: /api, policy: mfa }', 5, 'rules[0].paths', 'must be a list'],
    ['rules:\n  - { paths: [api/**], policy: mfa }', 5, 'rules[0].paths[0]', "must start with '/'"],
    ['rules:\n  - { paths: [/ok, "/api/[a-z]"], policy: mfa }', 5, 'rules[0].paths[1]', "may hold only path characters, '*' within a segment and '**' as a whole segment (no '?', '[', '{' or spaces)"],
    ['rules:\n  - { paths: ["/api/file?.txt"], policy: mfa }', 5, 'rules[0].paths[0]', 'may hold only path characters'],
    ['rules:\n  - { paths: ["/api/{a,b}"], policy: mfa }', 5, 'rules[0].paths[0]', 'may hold only path characters'],
    ['rules:\n  - { paths: ["/api/my file"], policy: mfa }', 5, 'rules[0].paths[0]', 'may hold only path characters'],
    ['rules:\n  - { paths: ["/api**"], policy: mfa }', 5, 'rules[0].paths[0]', "'**' must be a whole segment, such as /api/**"],
    ['rules:\n  - { paths: ["/api//x"], policy: mfa }', 5, 'rules[0].paths[0]', "must not hold an empty segment ('//' or a trailing '/')"],
    ['rules:\n  - { paths: ["/api/"], policy: mfa }', 5, 'rules[0].paths[0]', 'must not hold an empty segment'],
    ['rules:\n  - { paths: ["/api/../admin"], policy: mfa }', 5, 'rules[0].paths[0]', "must not hold '.' or '..' segments"],
    ['rules:\n  - { methods: ["GE T"], paths: [/a], policy: mfa }', 5, 'rules[0].methods[0]', 'must be an HTTP method, such as GET or POST'],
    ['rules:\n  - { hosts: ["api.example.com:8443"], paths: [/a], policy: mfa }', 5, 'rules[0].hosts[0]', 'must be a host name without a port, such as api.example.com or *.example.com'],
    ['rules:\n  - { roles: [], paths: [/a], policy: mfa }', 5, 'rules[0].roles', 'must not be empty'],
    ['rules:\n  - { users: alice, paths: [/a], policy: mfa }', 5, 'rules[0].users', 'must be a list'],
    ['rules:\n  - { paths: [/a], policy: allow }', 5, 'rules[0].policy', "must be one of 'bypass', 'authenticated', 'mfa', 'deny'"],
    ['rules:\n  - { paths: [/a], policy: mfa, max_age: 5x }', 5, 'rules[0].max_age', "must be a duration such as 300 or '5m'"],
    ['rules:\n  - { paths: [/a], policy: mfa, factors: [OTP] }', 5, 'rules[0].factors[0]', 'must be an RFC 8176 method, such as otp, hwk or mfa'],
    ['rules:\n  - { paths: [/a], policy: bypass, max_age: 5m }', 5, 'rules[0].max_age', 'applies only to policy mfa, not bypass'],
    ['rules:\n  - { paths: [/a], policy: authenticated, factors: [hwk] }', 5, 'rules[0].factors', 'applies only to policy mfa, not authenticated'],
    ['rules:\n  - { paths: [/a], policy: bypass }\n  - paths: [/b]\n    policy: mfa\n    method: POST', 8, 'rules[1].method', "unknown setting; did you mean 'methods'?"],
    ['rules:\n  - { paths: [/a], policy: mfa, once: yes }', 5, 'rules[0].once', 'must be true, false or { bind_body: true }'],
    ['rules:\n  - { paths: [/a], policy: mfa, once: 1 }', 5, 'rules[0].once', 'must be true, false or { bind_body: true }'],
    ['rules:\n  - { paths: [/a], policy: mfa, once: { bind_body: yes } }', 5, 'rules[0].once', 'must be true, false or { bind_body: true }'],
    ['rules:\n  - paths: [/a]\n    policy: mfa\n    once: { bind_bdy: true }', 7, 'rules[0].once.bind_bdy', "unknown setting; did you mean 'bind_body'?"],
    ['rules:\n  - { paths: [/a], policy: authenticated, once: true }', 5, 'rules[0].once', 'applies only to policy mfa, not authenticated'],
    // HEAD has no upstream: forward auth only, where a body-bound rule could never pass.
    ['rules:\n  - { paths: [/a], policy: mfa, once: { bind_body: true } }', 5, 'rules[0].once', 'bind_body needs standalone mode (an upstream): forward auth never sees the body'],
  ];

  it.each(cases)('%j', (extra, line, field, message) => {
    const err = failure(withHead(extra));
    expect(err.issues).toEqual([{ line, field, message: expect.stringContaining(message) }]);
    expect(err).toMatchObject({ code: 'config_invalid', file: 'gateway.yaml', line, field, name: 'ConfigError' });
    expect(err.message.startsWith(`gateway.yaml:${line}: ${field}: ${message}`)).toBe(true);
  });

  const tokenCases: [string, number, string, string][] = [
    ['issuer: "Acme: Prod"\ntokens: { secret: SECRET }\nrules: []', 1, 'issuer', "must not contain ':' (authenticator apps read the label up to it)"],
    ['issuer: ""\ntokens: { secret: SECRET }\nrules: []', 1, 'issuer', 'must not be empty'],
    ['issuer: Acme\ntokens: {}\nrules: []', 2, 'tokens', 'needs one of jwks_uri, jwks_file or secret'],
    [
      'issuer: Acme\ntokens:\n  jwks_uri: https://idp.example.com/jwks.json\n  secret: SECRET\nrules: []',
      4,
      'tokens.secret',
      'cannot be used with jwks_uri: keep one of jwks_uri, jwks_file and secret',
    ],
    ['issuer: Acme\ntokens:\n  jwks_uri: http://idp.example.com/jwks.json\nrules: []', 3, 'tokens.jwks_uri', 'must use https (http only for localhost and 127.0.0.1)'],
    ['issuer: Acme\ntokens:\n  jwks_uri: idp.example.com/jwks.json\nrules: []', 3, 'tokens.jwks_uri', 'must be an https URL'],
    ['issuer: Acme\ntokens:\n  secret: too-short\nrules: []', 3, 'tokens.secret', 'must be at least 32 characters'],
    ['issuer: Acme\ntokens:\n  secret: SECRET\n  algorithms: [none]\nrules: []', 4, 'tokens.algorithms[0]', "'none' is refused: tokens must be signed"],
    ['issuer: Acme\ntokens:\n  secret: SECRET\n  algorithms: [RS256]\nrules: []', 4, 'tokens.algorithms[0]', 'must be one of HS256, HS384, HS512 with a secret'],
    ['issuer: Acme\ntokens:\n  jwks_file: jwks.json\n  algorithms: [RS256, HS256]\nrules: []', 4, 'tokens.algorithms[1]', 'must not be an HMAC algorithm with a JWKS'],
    ['issuer: Acme\ntokens:\n  jwks_file: jwks.json\n  algorithms: [RS255]\nrules: []', 4, 'tokens.algorithms[0]', 'must be one of HS256, HS384, HS512, RS256'],
    ['issuer: Acme\ntokens:\n  jwks_file: jwks.json\n  algorithms: []\nrules: []', 4, 'tokens.algorithms', 'must not be empty'],
    ['issuer: Acme\ntokens:\n  jwks_file: jwks.json\n  audience: 42\nrules: []', 4, 'tokens.audience', 'must be a string or a list of strings'],
    ['issuer: Acme\ntokens:\n  jwks_file: jwks.json\n  clock_tolerance: a minute\nrules: []', 4, 'tokens.clock_tolerance', "must be a duration such as 300 or '5m'"],
  ];

  it.each(tokenCases)('%j', (text, line, field, message) => {
    const err = failure(text.replace('SECRET', SECRET));
    expect(err.issues).toEqual([{ line, field, message: expect.stringContaining(message) }]);
  });

  it('names the settings that are missing, without a line', () => {
    const err = failure('listen: 8080\n');
    expect(err.issues).toEqual([
      { field: 'issuer', message: 'is required' },
      { field: 'tokens', message: 'is required' },
      { field: 'rules', message: 'is required' },
    ]);
    expect(err.message).toBe('gateway.yaml: issuer: is required\ngateway.yaml: tokens: is required\ngateway.yaml: rules: is required');
  });

  it.each([
    ['an empty file', ''],
    ['a list', '- issuer: Acme\n'],
    ['a scalar', 'issuer\n'],
  ])('refuses %s: the file must be a mapping', (_, text) => {
    expect(failure(text).message).toBe('gateway.yaml: the file must be a YAML mapping of settings (issuer, tokens, rules, ...)');
  });

  it('reports every wrong setting at once, ordered by line; line and field are those of the first', () => {
    const err = failure(`${HEAD}rules:\n  - { paths: [/a], policy: mfa, max_age: soon }\ndefault_policy: allow\nlisten: nowhere\n`);
    expect(err.issues.map(({ line, field }) => `${line} ${field}`)).toEqual(['5 rules[0].max_age', '6 default_policy', '7 listen']);
    expect(err).toMatchObject({ line: 5, field: 'rules[0].max_age' });
    expect(err.message.split('\n')).toEqual([
      "gateway.yaml:5: rules[0].max_age: must be a duration such as 300 or '5m'",
      "gateway.yaml:6: default_policy: must be one of 'bypass', 'authenticated', 'mfa', 'deny'",
      'gateway.yaml:7: listen: must be host:port or a port, such as 127.0.0.1:8080 or 8080',
    ]);
  });

  it('never puts a value in a message', () => {
    const err = failure(`${HEAD.replace('jwks_uri: https://idp.example.com/jwks.json', 'secret: hunter2-is-not-long-enough')}rules: []\nencryption_keys: k1:c2VjcmV0LWtleQ==\n`);
    expect(err.issues.map((issue) => issue.field)).toEqual(['tokens.secret', 'encryption_keys']);
    expect(err.message).not.toMatch(/hunter2|c2VjcmV0LWtleQ/);
  });
});

describe('parseConfig: unknown settings', () => {
  it.each([
    ['defualt_policy: deny', 'defualt_policy', "did you mean 'default_policy'?"],
    ['defaultPolicy: deny', 'defaultPolicy', "did you mean 'default_policy'?"],
    ['trusted_proxy: [10.0.0.1]', 'trusted_proxy', "did you mean 'trusted_proxies'?"],
    ['session: { idle_timout: 30m }', 'session.idle_timout', "did you mean 'idle_timeout'?"],
    ['throttle: { per_address: { max_failure: 5 } }', 'throttle.per_address.max_failure', "did you mean 'max_failures'?"],
  ])('%s: suggests the nearest setting', (extra, field, suggestion) => {
    expect(failure(withHead(extra)).issues).toEqual([{ line: 4, field, message: `unknown setting; ${suggestion}` }]);
  });

  it('lists the settings of the place when none is near', () => {
    const [issue] = failure(withHead('colour: blue')).issues;
    expect(issue).toEqual({ line: 4, field: 'colour', message: expect.stringMatching(/^unknown setting; the settings here are listen, upstream, .*, default_policy, .*, recovery_code_cost$/) });
  });

  it('gives each unknown key its own message and line', () => {
    const err = failure(`${HEAD}  user_clam: sub\nrules: []\nmfa_pth: /mfa\n`);
    expect(err.issues).toEqual([
      { line: 4, field: 'tokens.user_clam', message: "unknown setting; did you mean 'user_claim'?" },
      { line: 6, field: 'mfa_pth', message: "unknown setting; did you mean 'mfa_path'?" },
    ]);
  });
});

describe('parseConfig: ${NAME} from the environment', () => {
  it('puts in variables, whole values and parts of values, in lists and mappings', () => {
    const config = parse('issuer: ${ISSUER}\ntokens:\n  jwks_uri: https://${IDP}/jwks.json\n  audience:\n    - ${AUD}\n    - other\nrules: []\n', {
      ISSUER: 'Acme',
      IDP: 'idp.example.com',
      AUD: 'orders-api',
    });
    expect(config.mfa.issuer).toBe('Acme');
    expect(config.tokens).toMatchObject({ jwksUri: 'https://idp.example.com/jwks.json', audience: ['orders-api', 'other'] });
  });

  it('makes an unquoted ${NAME} a number or a boolean when the variable holds one; a quoted one stays a string', () => {
    const config = parse(withHead('upstream_timeout: ${TIMEOUT}\nlisten: ${LISTEN}\nwebauthn:\n  rp_id: example.com\n  rp_name: Acme\n  origins: x\n  user_verified_is_mfa: ${UV}'), {
      TIMEOUT: '45',
      LISTEN: '9000',
      UV: 'true',
    });
    expect(config).toMatchObject({ upstreamTimeout: 45_000, listen: { port: 9000 }, mfa: { webauthn: { userVerifiedIsMfa: true } } });
    expect(failure(withHead('upstream_timeout: "${TIMEOUT}"'), { TIMEOUT: '45' }).issues).toEqual([{ line: 4, field: 'upstream_timeout', message: expect.stringContaining('must be a duration') }]);
  });

  it('refuses a variable that is not set, naming it, the line and the setting', () => {
    const err = failure('issuer: Acme\ntokens:\n  secret: ${JWT_SECRET}\nrules: []\n', { JWT: 'x' });
    expect(err).toMatchObject({ code: 'config_env', line: 3, field: 'tokens.secret' });
    expect(err.message).toBe('gateway.yaml:3: tokens.secret: the environment variable JWT_SECRET is not set');
  });

  it('refuses an empty variable', () => {
    expect(failure(withHead('data_dir: /var/lib/${APP}/data'), { APP: '' }).message).toBe('gateway.yaml:4: data_dir: the environment variable APP is empty');
  });

  it('reports every missing variable, in lists too', () => {
    const err = failure(withHead('admin_roles: [admin, "${ROLE_A}", "${ROLE_B}"]'), {});
    expect(err.issues.map((issue) => issue.message)).toEqual(['the environment variable ROLE_A is not set', 'the environment variable ROLE_B is not set']);
    expect(err.issues.map((issue) => issue.field)).toEqual(['admin_roles[1]', 'admin_roles[2]']);
  });

  it('reads $$ as a literal $, keeps any other $, and does not read a value put in again', () => {
    const config = parse(withHead('admin_roles: ["$${NOT_A_VARIABLE}", "pa$$word", "co$t", "${ROLE}"]'), { ROLE: '${HOME}' });
    expect(config.adminRoles).toEqual(['${NOT_A_VARIABLE}', 'pa$word', 'co$t', '${HOME}']);
  });

  it('says to quote ${NAME} inside [ ] or { }, where YAML cannot read it unquoted', () => {
    const err = failure(withHead('admin_roles: [admin, ${ROLE}]'), { ROLE: 'ops' });
    expect(err).toMatchObject({ code: 'config_syntax', line: 4 });
    expect(err.message).toMatch(/^gateway\.yaml:4: not valid YAML: .* \(quote a value holding \$\{NAME\} inside \[ \] or \{ \}\)$/);
  });

  it('refuses a malformed reference', () => {
    expect(failure(withHead('data_dir: "${1DIR}/x"')).message).toBe("gateway.yaml:4: data_dir: '${' must start a reference such as ${NAME} (write $$ for a literal $)");
    expect(failure(withHead('data_dir: "${DIR"'), { DIR: 'x' }).issues[0]).toMatchObject({ line: 4, field: 'data_dir' });
  });

  it('leaves keys and comments alone', () => {
    const config = parse(`${HEAD}rules: [] # \${NOT_SET}\n`, {});
    expect(config.rules).toEqual([]);
    expect(failure(withHead('${KEY}: 1'), {}).issues).toEqual([{ line: 4, field: '${KEY}', message: expect.stringMatching(/^unknown setting/) }]);
  });
});

describe('parseConfig: defaults and the environment', () => {
  it('fills in the defaults of a minimal file; createMfa gets only what the file sets', () => {
    expect(parse(`${HEAD}rules: []\n`)).toEqual({
      file: FILE,
      listen: { host: '127.0.0.1', port: 8080 },
      upstreamTimeout: 30_000,
      tokens: {
        jwksUri: 'https://idp.example.com/jwks.json',
        algorithms: ['RS256', 'PS256', 'ES256', 'EdDSA'],
        clockTolerance: 30,
        userClaim: 'sub',
        rolesClaim: 'roles',
      },
      trustedProxies: [],
      defaultPolicy: 'deny',
      rules: [],
      mfaPath: '/mfa',
      adminRoles: ['admin'],
      dataDir: '/etc/mfakit/.mfakit-gateway',
      mfa: { issuer: 'Acme' },
    } satisfies GatewayConfig);
  });

  it('takes HS256 for a secret, and accepts http for a JWKS on localhost', () => {
    expect(parse(`issuer: Acme\ntokens: { secret: "${SECRET}" }\nrules: []\n`).tokens).toEqual({ secret: SECRET, algorithms: ['HS256'], clockTolerance: 30, userClaim: 'sub', rolesClaim: 'roles' });
    for (const uri of ['http://localhost:8080/jwks', 'http://127.0.0.1/jwks', 'http://[::1]:3000/jwks']) {
      expect(parse(`issuer: Acme\ntokens: { jwks_uri: "${uri}" }\nrules: []\n`).tokens.jwksUri).toBe(uri);
    }
  });

  it.each([
    [8081, { host: '127.0.0.1', port: 8081 }],
    ['0.0.0.0:9000', { host: '0.0.0.0', port: 9000 }],
    ['"[::1]:9000"', { host: '::1', port: 9000 }],
    ['localhost:0', { host: 'localhost', port: 0 }],
  ])('reads listen: %s', (listen, expected) => {
    expect(parse(withHead(`listen: ${listen}`)).listen).toEqual(expected);
  });

  it('lets PORT override the port of listen, or of the default', () => {
    expect(parse(withHead('listen: 0.0.0.0:8080'), { PORT: '9090' }).listen).toEqual({ host: '0.0.0.0', port: 9090 });
    expect(parse(withHead(''), { PORT: '3000' }).listen).toEqual({ host: '127.0.0.1', port: 3000 });
    expect(parse(withHead('listen: 8081'), { PORT: '' }).listen).toEqual({ host: '127.0.0.1', port: 8081 });
    for (const PORT of ['http', '65536', '127.0.0.1:80']) {
      expect(failure(withHead(''), { PORT }).message).toBe('gateway.yaml: PORT: the environment variable must be a port number, from 0 to 65535');
    }
  });

  it('resolves relative paths from the folder of the file', () => {
    const config = parse(withHead('data_dir: ./data').replace('jwks_uri: https://idp.example.com/jwks.json', 'jwks_file: keys/jwks.json'));
    expect(config.dataDir).toBe('/etc/mfakit/data');
    expect(config.tokens.jwksFile).toBe('/etc/mfakit/keys/jwks.json');
    expect(parse(withHead('data_dir: /var/lib/mfakit')).dataDir).toBe('/var/lib/mfakit');
    const relative = parseConfig(withHead('data_dir: data'), 'conf/gateway.yaml', {});
    expect(relative).toMatchObject({ file: path.resolve('conf/gateway.yaml'), dataDir: path.resolve('conf/data') });
  });

  it('lets MFA_DATA_DIR override data_dir', () => {
    expect(parse(withHead('data_dir: ./data'), { MFA_DATA_DIR: '/srv/mfa' }).dataDir).toBe('/srv/mfa');
    expect(parse(withHead(''), { MFA_DATA_DIR: 'here' }).dataDir).toBe(path.resolve('here'));
  });

  it('takes MFA_ENCRYPTION_KEYS when the file has no encryption_keys, and checks it', () => {
    const other = `k2:${Buffer.alloc(32, 1).toString('base64')}`;
    expect(parse(withHead(''), { MFA_ENCRYPTION_KEYS: KEY }).mfa.encryptionKeys).toBe(KEY);
    expect(parse(withHead(`encryption_keys: "${other}"`), { MFA_ENCRYPTION_KEYS: KEY }).mfa.encryptionKeys).toBe(other);
    expect(failure(withHead(''), { MFA_ENCRYPTION_KEYS: 'oops' }).message).toBe(
      "gateway.yaml: MFA_ENCRYPTION_KEYS: the environment variable must read 'kid:<32 bytes in base64>,...' (openssl rand -base64 32)",
    );
  });

  it('upper-cases methods, lower-cases hosts, and records the line of each rule', () => {
    const config = parse(
      `${HEAD}rules:\n  - { methods: [post, Get], hosts: [API.Example.com, "*.Example.com"], paths: [/api/*/x, "/v1/*.json"], policy: mfa, max_age: 1.5m }\n\n  - paths: [/]\n    policy: bypass\n`,
    );
    expect(config.rules).toEqual([
      { methods: ['POST', 'GET'], hosts: ['api.example.com', '*.example.com'], paths: ['/api/*/x', '/v1/*.json'], policy: 'mfa', maxAge: 90, line: 5 },
      { paths: ['/'], policy: 'bypass', line: 7 },
    ]);
  });
});

describe('loadConfig', () => {
  let dir: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mfakit-gateway-config-'));
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  const write = (name: string, text: string) => {
    const file = path.join(dir, name);
    fs.writeFileSync(file, text);
    return file;
  };

  const FULL = `# The whole format.
listen: 0.0.0.0:8080
upstream: http://127.0.0.1:9000/
upstream_timeout: 1m
body_limit: 10mb
issuer: Acme
tokens:
  jwks_uri: https://idp.example.com/.well-known/jwks.json
  issuer: https://idp.example.com
  audience: orders-api
  algorithms: [RS256, ES256]
  clock_tolerance: 10s
  user_claim: email
  roles_claim: groups
trusted_proxies: [127.0.0.1/32, "::1", 10.0.0.0/8, "fd00::/8"]
default_policy: authenticated
mfa_path: /auth/mfa
admin_roles: [admin, security]
data_dir: ./data
notifications_url: https://hooks.example.com/mfa
rules:
  - { paths: ['/healthz', '/public/**'], policy: bypass }
  - { methods: [POST], paths: ['/api/transfers'], policy: mfa, max_age: 5m }
  - methods: [GET, HEAD]
    hosts: [admin.example.com]
    paths: ['/admin/**']
    roles: [admin]
    users: [alice]
    policy: mfa
    factors: [hwk, swk]
  - { paths: ['/internal/**'], policy: deny }
encryption_keys: \${MFA_KEYS}
policy: { required: { roles: [admin, finance] }, trusted_amr: [mfa, hwk], enrollment_deadline: 2027-01-31T00:00:00Z }
session: { lifetime: 12h, idle_timeout: 30m }
fresh_proof_max_age: 300
enrollment_ttl: 10m
throttle: { max_failures: 3, window: 5m, backoff: [30s, 1m], max_consecutive_failures: 50, per_address: { max_failures: 100, window: 15m } }
totp: { algorithm: sha256, digits: 8, period: 30, window: 1 }
hotp: { look_ahead: 10 }
webauthn: { rp_id: example.com, rp_name: Acme, origins: [https://app.example.com], top_origins: [https://partner.example.net], user_verification: required, attestation: direct, resident_key: preferred, user_verified_is_mfa: true }
recovery_code_cost: 13
`;

  it('reads a full file into the whole configuration, which createMfa accepts', () => {
    const file = write('gateway.yaml', FULL);
    const config = loadConfig(file, { MFA_KEYS: KEY });
    expect(config).toEqual({
      file,
      listen: { host: '0.0.0.0', port: 8080 },
      upstream: 'http://127.0.0.1:9000',
      upstreamTimeout: 60_000,
      bodyLimit: 10 * 1024 * 1024,
      tokens: {
        jwksUri: 'https://idp.example.com/.well-known/jwks.json',
        issuer: 'https://idp.example.com',
        audience: ['orders-api'],
        algorithms: ['RS256', 'ES256'],
        clockTolerance: 10,
        userClaim: 'email',
        rolesClaim: 'groups',
      },
      trustedProxies: ['127.0.0.1/32', '::1', '10.0.0.0/8', 'fd00::/8'],
      defaultPolicy: 'authenticated',
      rules: [
        { paths: ['/healthz', '/public/**'], policy: 'bypass', line: 22 },
        { methods: ['POST'], paths: ['/api/transfers'], policy: 'mfa', maxAge: 300, line: 23 },
        { methods: ['GET', 'HEAD'], hosts: ['admin.example.com'], paths: ['/admin/**'], roles: ['admin'], users: ['alice'], policy: 'mfa', factors: ['hwk', 'swk'], line: 24 },
        { paths: ['/internal/**'], policy: 'deny', line: 31 },
      ],
      mfaPath: '/auth/mfa',
      adminRoles: ['admin', 'security'],
      dataDir: path.join(dir, 'data'),
      notificationsUrl: 'https://hooks.example.com/mfa',
      mfa: {
        issuer: 'Acme',
        encryptionKeys: KEY,
        policy: { required: { roles: ['admin', 'finance'] }, trustedAmr: ['mfa', 'hwk'], enrollmentDeadline: '2027-01-31T00:00:00Z' },
        session: { lifetime: '12h', idleTimeout: '30m' },
        freshProofMaxAge: 300,
        enrollmentTtl: '10m',
        throttle: { maxFailures: 3, window: '5m', backoff: ['30s', '1m'], maxConsecutiveFailures: 50, perAddress: { maxFailures: 100, window: '15m' } },
        totp: { algorithm: 'sha256', digits: 8, period: 30, window: 1 },
        hotp: { lookAhead: 10 },
        webauthn: {
          rpID: 'example.com',
          rpName: 'Acme',
          origins: ['https://app.example.com'],
          topOrigins: ['https://partner.example.net'],
          userVerification: 'required',
          attestation: 'direct',
          residentKey: 'preferred',
          userVerifiedIsMfa: true,
        },
        recoveryCodeCost: 13,
      },
    } satisfies GatewayConfig);
    expect(() => createMfa(config.mfa)).not.toThrow();
  });

  it('passes per_address: false and required: everyone on as they are', () => {
    const file = write('gateway.yaml', withHead('throttle: { per_address: false }\npolicy: { required: everyone, enrollment_deadline: 2027-01-31 }'));
    expect(loadConfig(file, {}).mfa).toEqual({ issuer: 'Acme', throttle: { perAddress: false }, policy: { required: 'everyone', enrollmentDeadline: '2027-01-31' } });
  });

  it('names a file that does not exist', () => {
    const file = path.join(dir, 'missing.yaml');
    let err: unknown;
    try {
      loadConfig(file, {});
    } catch (caught) {
      err = caught;
    }
    expect(err).toBeInstanceOf(ConfigError);
    expect(err).toMatchObject({ code: 'config_unreadable', file, field: '', message: `${file}: cannot read the configuration file: no such file` });
    expect((err as ConfigError).cause).toMatchObject({ code: 'ENOENT' });
  });

  it('names a folder given for a file', () => {
    expect(() => loadConfig(dir, {})).toThrow(`${dir}: cannot read the configuration file: it is a folder`);
  });

  it.each([
    ['a broken flow sequence', `${HEAD}rules: [\n  { paths: [/a], policy: bypass }\n`, 6],
    ['a tab for indentation', `${HEAD}rules: []\nsession:\n\tlifetime: 12h\n`, 6],
    ['a repeated key', `${HEAD}rules: []\nissuer: Other\n`, 5],
    ['two documents', `${HEAD}rules: []\n---\nissuer: Other\n`, 5],
  ])('refuses a file that is not YAML (%s) with its line', (_, text, line) => {
    const file = write('gateway.yaml', text);
    let err: unknown;
    try {
      loadConfig(file, {});
    } catch (caught) {
      err = caught;
    }
    expect(err).toMatchObject({ code: 'config_syntax', file, field: '', line });
    expect((err as ConfigError).message).toMatch(new RegExp(`^${file}:${line}: not valid YAML: `));
  });
});

describe('parseConfig: once', () => {
  it('resolves once: true, { bind_body } and false as the core takes them', () => {
    const config = parse(
      withHead(`upstream: http://127.0.0.1:9000
rules:
  - { methods: [POST], paths: ['/api/payees'], policy: mfa, once: { bind_body: true } }
  - { methods: [DELETE], paths: ['/api/payees/*'], policy: mfa, once: true, max_age: 1m }
  - { paths: ['/api/**'], policy: mfa, once: false }`),
    );
    expect(config.rules.map((rule) => [rule.once, rule.maxAge])).toEqual([
      [{ bindBody: true }, undefined],
      [{ bindBody: false }, 60],
      [undefined, undefined],
    ]);
  });
});
