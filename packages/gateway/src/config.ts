import fs from 'node:fs';
import path from 'node:path';
import { type Document, isMap, isNode, isScalar, isSeq, LineCounter, parseDocument } from 'yaml';
import { HMAC_ALGORITHMS } from './lib/algorithms';
import { bytes, DEFAULT_LISTEN, deadline, encryptionKeysProblem, type FileSettings, fallbackMessage, fileSchema, hostPort, NOT_A_MAPPING, seconds } from './lib/configSchema';
import type { GatewayConfig, Policy, Rule, TokenConfig } from './types';

/**
 * What kind of problem a {@link ConfigError} reports; switch on it, never on the message.
 *
 * @example
 * if (err instanceof ConfigError && err.code === 'config_env') console.error('set the variables the file names:', err.message);
 */
export type ConfigErrorCode =
  /** The file could not be read (missing, a folder, no permission). */
  | 'config_unreadable'
  /** The file is not YAML, or holds more than one document. */
  | 'config_syntax'
  /** A `${NAME}` names an environment variable that is unset or empty, or a `${` is malformed. */
  | 'config_env'
  /** A setting is missing, unknown, of the wrong type or out of place. */
  | 'config_invalid';

/**
 * One problem of a configuration file: where, which setting, what is wrong.
 *
 * @example
 * const issue: ConfigIssue = { line: 14, field: 'rules[2].max_age', message: "must be a duration such as 300 or '5m'" };
 */
export interface ConfigIssue {
  /** The line of the setting (1-based); absent for a setting that is missing from the file, or one from the environment. */
  line?: number;
  /** The setting as a dotted path with list indices, such as `rules[2].max_age`; `''` for the file as a whole. */
  field: string;
  /** What is wrong, such as `must be a duration such as 300 or '5m'`. Never holds a setting's value. */
  message: string;
}

/**
 * A configuration file that cannot be used. Its message lists every problem found, one a line,
 * ordered by line: `gateway.yaml:14: rules[2].max_age: must be a duration such as 300 or '5m'`.
 * `line` and `field` are those of the first; `issues` holds them all.
 *
 * @example
 * try {
 *   loadConfig('gateway.yaml');
 * } catch (err) {
 *   if (!(err instanceof ConfigError)) throw err;
 *   console.error(err.message);
 *   process.exit(2);
 * }
 */
export class ConfigError extends Error {
  /** The stable code to switch on. */
  readonly code: ConfigErrorCode;
  /** The file, as given to {@link loadConfig} or {@link parseConfig}. */
  readonly file: string;
  /** The line of the first problem, when it has one. */
  readonly line?: number;
  /** The setting of the first problem, such as `rules[2].max_age`; `''` for the file as a whole. */
  readonly field: string;
  /** Every problem found, ordered by line (those without one first). */
  readonly issues: readonly ConfigIssue[];

  /**
   * @param code - The stable code.
   * @param file - The file, as given.
   * @param issues - At least one problem.
   * @param options - `cause`: the underlying error, if any.
   */
  constructor(code: ConfigErrorCode, file: string, issues: ConfigIssue[], options?: { cause?: unknown }) {
    const sorted = [...issues].sort((a, b) => (a.line ?? 0) - (b.line ?? 0));
    super(sorted.map((issue) => `${file}${issue.line ? `:${issue.line}` : ''}: ${issue.field ? `${issue.field}: ` : ''}${issue.message}`).join('\n'), options);
    this.name = this.constructor.name;
    this.code = code;
    this.file = file;
    this.field = sorted[0]?.field ?? '';
    this.issues = sorted;
    if (sorted[0]?.line) this.line = sorted[0].line;
  }
}

/**
 * Reads the gateway's YAML configuration file, fills in the environment (`${NAME}`, `PORT`,
 * `MFA_DATA_DIR`, `MFA_ENCRYPTION_KEYS`), checks every setting and resolves it to a
 * {@link GatewayConfig}. Relative paths in the file (`data_dir`, `tokens.jwks_file`) are taken from
 * the file's folder.
 *
 * In string values, `${NAME}` is replaced with the environment variable NAME (letters, digits and
 * `_`); an unset or empty one is an error. `$$` is a literal `$` (so `$${NAME}` stays `${NAME}`);
 * any other `$` is kept as it is. The value put in is not read again for references. An unquoted
 * value that is exactly one `${NAME}` becomes a number, `true` or `false` when the variable holds
 * one, as if it had been written there. Keys and comments are left alone.
 *
 * What createMfa takes goes to `mfa` with the same names (in snake_case in the file) and only
 * where set: createMfa fills in its own defaults and checks their ranges when the gateway starts.
 *
 * @param file - The YAML file, e.g. `gateway.yaml`; messages name it as given.
 * @param env - The environment. @default process.env
 * @returns The resolved configuration.
 * @throws ConfigError `config_unreadable` for a file that cannot be read, `config_syntax` for one
 *   that is not YAML, `config_env` for a missing variable, `config_invalid` for wrong settings;
 *   its message lists every problem with its line and setting.
 * @example
 * const config = loadConfig('/etc/mfakit/gateway.yaml');
 * const gateway = await createGateway(config);
 * await gateway.app.listen(config.listen);
 */
export function loadConfig(file: string, env: NodeJS.ProcessEnv = process.env): GatewayConfig {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (err) {
    const { code } = err as NodeJS.ErrnoException;
    const reason = code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'it is a folder' : code === 'EACCES' ? 'permission denied' : (err as Error).message;
    throw new ConfigError('config_unreadable', file, [{ field: '', message: `cannot read the configuration file: ${reason}` }], { cause: err });
  }
  return parseConfig(text, file, env);
}

/**
 * {@link loadConfig} for text already read: the same checks and the same result, with relative
 * paths taken from `file`'s folder.
 *
 * @param text - The YAML text.
 * @param file - Where it came from: named in messages, and the base of relative paths.
 * @param env - The environment. @default process.env
 * @throws ConfigError as {@link loadConfig} does (never `config_unreadable`).
 * @example
 * const config = parseConfig('issuer: Acme\ntokens: { jwks_uri: https://idp.example.com/jwks.json }\nrules: []\n', '/etc/mfakit/gateway.yaml', {});
 * config.defaultPolicy; // 'deny'
 */
export function parseConfig(text: string, file: string, env: NodeJS.ProcessEnv = process.env): GatewayConfig {
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false, uniqueKeys: true });
  const lineOf = (offset: number | undefined) => (offset === undefined ? undefined : lines.linePos(offset).line);
  if (doc.errors.length > 0) {
    const sourceLines = text.split(/\r?\n/);
    // The first problem only: YAML's later ones mostly follow from it.
    const issues = doc.errors.slice(0, 1).map((err) => {
      const line = lineOf(err.pos[0]);
      const hint = sourceLines[(line ?? 0) - 1]?.includes('${') ? ` (quote a value holding \${NAME} inside [ ] or { })` : '';
      return { line, field: '', message: `not valid YAML: ${err.message}${hint}` };
    });
    throw new ConfigError('config_syntax', file, issues);
  }
  const envIssues = substituteEnv(doc, env, lineOf);
  if (envIssues.length > 0) throw new ConfigError('config_env', file, envIssues);

  const data: unknown = doc.toJS();
  const lineAt = (at: FieldPath) => lineIn(doc, at, lineOf);
  const parsed = fileSchema.safeParse(data, { error: fallbackMessage });
  if (!parsed.success) {
    throw new ConfigError(
      'config_invalid',
      file,
      parsed.error.issues.map((issue) => {
        const at = issue.path as FieldPath;
        const value = valueAt(data, at);
        const message = at.length === 0 ? NOT_A_MAPPING : value === undefined ? 'is required' : value === null ? `has no value: ${issue.message}` : issue.message;
        return { line: lineAt(at), field: fieldName(at), message };
      }),
    );
  }
  const issues: ConfigIssue[] = [];
  const report = (at: FieldPath, message: string) => issues.push({ line: lineAt(at), field: fieldName(at), message });
  const config = resolve(parsed.data, path.resolve(file), env, report, lineAt);
  if (issues.length > 0) throw new ConfigError('config_invalid', file, issues);
  return config;
}

// ---- The environment -------------------------------------------------------------------------

type FieldPath = (string | number)[];

/** `$$`, `${NAME}`, or a `${` that starts no reference. */
const REFERENCE = /\$\$|\$\{([A-Za-z_][A-Za-z0-9_]*)\}|\$\{/g;
const WHOLE_REFERENCE = /^\$\{[A-Za-z_][A-Za-z0-9_]*\}$/;

/** Replaces the references in every string value of the document, in place; returns the problems. */
function substituteEnv(doc: Document, env: NodeJS.ProcessEnv, lineOf: (offset: number | undefined) => number | undefined): ConfigIssue[] {
  const issues: ConfigIssue[] = [];
  const visit = (node: unknown, at: FieldPath): void => {
    if (isMap(node)) for (const pair of node.items) visit(pair.value, [...at, keyName(pair.key)]);
    else if (isSeq(node)) for (const [i, item] of node.items.entries()) visit(item, [...at, i]);
    else if (isScalar(node) && typeof node.value === 'string' && node.value.includes('$')) {
      const source = node.value;
      const fail = (message: string) => issues.push({ line: lineOf(node.range?.[0]), field: fieldName(at), message });
      const value = source.replace(REFERENCE, (match, name: string | undefined) => {
        if (match === '$$') return '$';
        if (name === undefined) {
          fail(`'\${' must start a reference such as \${NAME} (write $$ for a literal $)`);
          return match;
        }
        const found = env[name];
        if (!found) fail(`the environment variable ${name} is ${found === undefined ? 'not set' : 'empty'}`);
        return found || match;
      });
      node.value = node.type === 'PLAIN' && WHOLE_REFERENCE.test(source) ? retyped(value) : value;
    }
  };
  visit(doc.contents, []);
  return issues;
}

/** What an unquoted YAML value of this text would be, for numbers and booleans. */
function retyped(value: string): string | number | boolean {
  if (/^-?\d+(\.\d+)?$/.test(value)) return Number(value);
  return value === 'true' ? true : value === 'false' ? false : value;
}

// ---- Where a setting is ----------------------------------------------------------------------

function keyName(key: unknown): string {
  return isScalar(key) ? String(key.value) : String(key);
}

/** `rules[2].max_age` for `['rules', 2, 'max_age']`. */
function fieldName(at: FieldPath): string {
  return at.reduce<string>((name, step) => (typeof step === 'number' ? `${name}[${step}]` : name ? `${name}.${step}` : step), '');
}

/** The line of a setting: its key's, or a list item's; a missing one gives the line of what holds it. */
function lineIn(doc: Document, at: FieldPath, lineOf: (offset: number | undefined) => number | undefined): number | undefined {
  const startOf = (node: unknown) => lineOf(isNode(node) ? node.range?.[0] : undefined);
  let node: unknown = doc.contents;
  let line: number | undefined;
  for (const step of at) {
    if (isMap(node)) {
      const pair = node.items.find((item) => keyName(item.key) === String(step));
      if (pair === undefined) break;
      line = startOf(pair.key) ?? line;
      node = pair.value;
    } else if (isSeq(node) && typeof step === 'number' && node.items[step] !== undefined) {
      node = node.items[step];
      line = startOf(node) ?? line;
    } else break;
  }
  return line;
}

function valueAt(data: unknown, at: FieldPath): unknown {
  return at.reduce<unknown>((value, step) => (value !== null && typeof value === 'object' ? (value as Record<string | number, unknown>)[step] : undefined), data);
}

// ---- From the file's names to GatewayConfig ---------------------------------------------------

const DEFAULT_ALGORITHMS = ['RS256', 'PS256', 'ES256', 'EdDSA'];
const DEFAULT_UPSTREAM_TIMEOUT_MS = 30_000;
const DEFAULT_CLOCK_TOLERANCE = 30; // seconds

/** The object without its undefined properties: createMfa gets only what the file sets. */
function defined<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, entry]) => entry !== undefined)) as T;
}

function setting(value: string | undefined): string | undefined {
  return value === undefined || value === '' ? undefined : value;
}

function resolve(raw: FileSettings, file: string, env: NodeJS.ProcessEnv, report: (at: FieldPath, message: string) => void, lineAt: (at: FieldPath) => number | undefined): GatewayConfig {
  const folder = path.dirname(file);
  const listen = raw.listen === undefined ? { ...DEFAULT_LISTEN } : hostPort(raw.listen)!;
  const port = setting(env.PORT);
  if (port !== undefined) {
    const override = hostPort(port);
    if (override && /^\d+$/.test(port)) listen.port = override.port;
    else report(['PORT'], 'the environment variable must be a port number, from 0 to 65535');
  }
  const encryptionKeysOfEnv = setting(env.MFA_ENCRYPTION_KEYS);
  const envKeysProblem = raw.encryption_keys === undefined && encryptionKeysOfEnv !== undefined ? encryptionKeysProblem(encryptionKeysOfEnv) : undefined;
  if (envKeysProblem) report(['MFA_ENCRYPTION_KEYS'], `the environment variable ${envKeysProblem}`);
  const dataDir = setting(env.MFA_DATA_DIR);
  return defined({
    file,
    listen,
    upstream: raw.upstream === undefined ? undefined : new URL(raw.upstream).origin,
    upstreamTimeout: raw.upstream_timeout === undefined ? DEFAULT_UPSTREAM_TIMEOUT_MS : Math.round(seconds(raw.upstream_timeout)! * 1000),
    bodyLimit: raw.body_limit === undefined ? undefined : bytes(raw.body_limit)!,
    tokens: tokensOf(raw.tokens, folder, report),
    trustedProxies: raw.trusted_proxies ?? [],
    defaultPolicy: raw.default_policy ?? 'deny',
    rules: raw.rules.map((rule, i) => ruleOf(rule, ['rules', i], raw.upstream !== undefined, report, lineAt)),
    mfaPath: raw.mfa_path ?? '/mfa',
    adminRoles: raw.admin_roles ?? ['admin'],
    dataDir: dataDir !== undefined ? path.resolve(dataDir) : path.resolve(folder, raw.data_dir ?? '.mfakit-gateway'),
    notificationsUrl: raw.notifications_url,
    mfa: mfaOf(raw, encryptionKeysOfEnv),
  });
}

function tokensOf(raw: FileSettings['tokens'], folder: string, report: (at: FieldPath, message: string) => void): TokenConfig {
  const sources = (['jwks_uri', 'jwks_file', 'secret'] as const).filter((key) => raw[key] !== undefined);
  if (sources.length === 0) report(['tokens'], 'needs one of jwks_uri, jwks_file or secret');
  for (const extra of sources.slice(1)) report(['tokens', extra], `cannot be used with ${sources[0]}: keep one of jwks_uri, jwks_file and secret`);
  const hmac = raw.secret !== undefined;
  raw.algorithms?.forEach((name, i) => {
    if (hmac && !HMAC_ALGORITHMS.includes(name)) report(['tokens', 'algorithms', i], `must be one of ${HMAC_ALGORITHMS.join(', ')} with a secret`);
    if (!hmac && HMAC_ALGORITHMS.includes(name)) report(['tokens', 'algorithms', i], 'must not be an HMAC algorithm with a JWKS (anyone holding the public key could sign)');
  });
  return defined({
    jwksUri: raw.jwks_uri,
    jwksFile: raw.jwks_file === undefined ? undefined : path.resolve(folder, raw.jwks_file),
    secret: raw.secret,
    issuer: raw.issuer,
    audience: typeof raw.audience === 'string' ? [raw.audience] : raw.audience,
    algorithms: raw.algorithms ?? (hmac ? ['HS256'] : DEFAULT_ALGORITHMS),
    clockTolerance: raw.clock_tolerance === undefined ? DEFAULT_CLOCK_TOLERANCE : seconds(raw.clock_tolerance)!,
    userClaim: raw.user_claim ?? 'sub',
    rolesClaim: raw.roles_claim ?? 'roles',
  });
}

function ruleOf(raw: FileSettings['rules'][number], at: FieldPath, standalone: boolean, report: (at: FieldPath, message: string) => void, lineAt: (at: FieldPath) => number | undefined): Rule {
  for (const key of ['max_age', 'factors', 'once'] as const) {
    if (raw.policy !== 'mfa' && raw[key] !== undefined) report([...at, key], `applies only to policy mfa, not ${raw.policy}`);
  }
  const once = raw.once === undefined || raw.once === false ? undefined : { bindBody: raw.once !== true && raw.once.bind_body === true };
  // Forward auth never sees the body: without an upstream, such a rule could only ever refuse.
  if (once?.bindBody && !standalone) report([...at, 'once'], 'bind_body needs standalone mode (an upstream): forward auth never sees the body, so every request of this rule would be refused');
  return defined({
    paths: raw.paths,
    methods: raw.methods?.map((name) => name.toUpperCase()),
    hosts: raw.hosts?.map((name) => name.toLowerCase()),
    roles: raw.roles,
    users: raw.users,
    policy: raw.policy satisfies Policy,
    maxAge: raw.max_age === undefined ? undefined : seconds(raw.max_age)!,
    factors: raw.factors,
    once,
    line: lineAt(at),
  });
}

function mfaOf(raw: FileSettings, encryptionKeysOfEnv: string | undefined): GatewayConfig['mfa'] {
  const { policy, session, throttle, totp, hotp, webauthn } = raw;
  const perAddress = throttle?.per_address;
  return defined({
    issuer: raw.issuer,
    encryptionKeys: raw.encryption_keys ?? encryptionKeysOfEnv,
    policy: policy && {
      ...defined({ trustedAmr: policy.trusted_amr, trustedAcr: policy.trusted_acr, enrollmentDeadline: policy.enrollment_deadline === undefined ? undefined : deadline(policy.enrollment_deadline)! }),
      ...(policy.required === undefined ? {} : { required: policy.required === 'everyone' ? 'everyone' : { roles: policy.required.roles } }),
    },
    session: session && defined({ lifetime: session.lifetime, idleTimeout: session.idle_timeout }),
    freshProofMaxAge: raw.fresh_proof_max_age,
    enrollmentTtl: raw.enrollment_ttl,
    throttle: throttle && {
      ...defined({ maxFailures: throttle.max_failures, window: throttle.window, backoff: throttle.backoff, maxConsecutiveFailures: throttle.max_consecutive_failures }),
      ...(perAddress === undefined ? {} : { perAddress: perAddress && defined({ maxFailures: perAddress.max_failures, window: perAddress.window }) }),
    },
    totp: totp && defined({ algorithm: totp.algorithm, digits: totp.digits, period: totp.period, window: totp.window }),
    hotp: hotp && defined({ lookAhead: hotp.look_ahead }),
    webauthn: webauthn && {
      rpID: webauthn.rp_id,
      rpName: webauthn.rp_name,
      origins: webauthn.origins,
      ...defined({
        topOrigins: webauthn.top_origins,
        userVerification: webauthn.user_verification,
        attestation: webauthn.attestation,
        residentKey: webauthn.resident_key,
        userVerifiedIsMfa: webauthn.user_verified_is_mfa,
      }),
    },
    recoveryCodeCost: raw.recovery_code_cost,
  });
}
