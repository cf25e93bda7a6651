import net from 'node:net';
import { type Deadline, type Duration, MfaError, parseEncryptionKeys } from '@mfakit/core';
import { z } from 'zod';
import { normalizePath } from '../paths';
import { compileGlob } from '../rules';
import { HMAC_ALGORITHMS, MIN_SECRET_LENGTH, PUBLIC_KEY_ALGORITHMS } from './algorithms';

// The schema of the gateway's YAML file, in the file's names, and the checks of its values. Each
// check names the problem for the operator; none quotes the value it refuses. config.ts parses the
// file, runs the schema and resolves what passes.

// ---- Messages --------------------------------------------------------------------------------

/** The message of a file that is not a mapping (empty, a list, a scalar). */
export const NOT_A_MAPPING = 'the file must be a YAML mapping of settings (issuer, tokens, rules, ...)';

const TYPE_MESSAGES: Partial<Record<string, string>> = {
  array: 'must be a list, such as [a, b]',
  object: 'must be a mapping, such as { key: value }',
  string: 'must be a string',
  number: 'must be a number',
  int: 'must be a whole number',
  boolean: 'must be true or false',
};

/** The messages of the checks that give none of their own. */
export function fallbackMessage(issue: z.core.$ZodRawIssue): string | undefined {
  if (issue.code === 'invalid_type') return TYPE_MESSAGES[issue.expected];
  if (issue.code === 'too_small') return 'must not be empty';
  if (issue.code === 'invalid_value') {
    const values = issue.values.map((value) => (typeof value === 'string' ? `'${value}'` : String(value)));
    return values.length === 2 ? `must be ${values.join(' or ')}` : `must be one of ${values.join(', ')}`;
  }
  return undefined;
}

/** An object that refuses unknown keys, one message each, with the nearest valid key or the list of them. */
function strict<T extends z.core.$ZodLooseShape>(shape: T) {
  const keys = Object.keys(shape);
  const unknownKey = (key: string) => {
    const near = nearest(key, keys);
    return near ? `unknown setting; did you mean '${near}'?` : `unknown setting; the settings here are ${keys.join(', ')}`;
  };
  // Not aborting: the object's own checks still run, and a union keeps to the branch of a mapping.
  return z.object(shape).catchall(z.custom<unknown>(() => false, { error: (issue) => unknownKey(String(issue.path?.at(-1))), abort: false }));
}

/** The valid key a typo away from `key` (compared in lower case without `_`): the fewest edits, at most a quarter of its letters (two at least). */
function nearest(key: string, keys: string[]): string | undefined {
  const plain = (name: string) => name.toLowerCase().replaceAll('_', '');
  const typed = plain(key);
  const scored = keys.map((valid) => ({ valid, edits: edits(typed, plain(valid)) })).sort((a, b) => a.edits - b.edits);
  const best = scored[0];
  return best && best.edits <= Math.max(2, Math.floor(typed.length / 4)) ? best.valid : undefined;
}

/** The Levenshtein distance of two strings. */
function edits(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++) row[j] = Math.min(previous[j]! + 1, row[j - 1]! + 1, previous[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    previous = row;
  }
  return previous[b.length]!;
}

/** A string checked by a function that names its problem. */
function checked(problem: (value: string) => string | undefined) {
  return z.string().superRefine((value, ctx) => {
    const message = problem(value);
    if (message) ctx.addIssue({ code: 'custom', message });
  });
}

/** A value that `parse` turns into something, or refuses with `message`. */
function parsed<T>(parse: (value: unknown) => unknown, message: string) {
  return z.custom<T>((value) => parse(value) !== null, { error: message });
}

// ---- Values ----------------------------------------------------------------------------------

const UNIT_SECONDS = { s: 1, m: 60, h: 3600, d: 86400 } as const; // as @mfakit/core reads a Duration
const DURATION = /^(\d+(?:\.\d+)?)([smhd])$/;
const DURATION_MESSAGE = "must be a duration such as 300 or '5m'";

/** The seconds of a Duration (a number of seconds, or a number and one of s, m, h, d), or null. */
export function seconds(value: unknown): number | null {
  if (typeof value === 'number') return Number.isFinite(value) && value >= 0 ? value : null;
  const match = typeof value === 'string' ? DURATION.exec(value) : null;
  return match ? Number(match[1]) * UNIT_SECONDS[match[2] as keyof typeof UNIT_SECONDS] : null;
}

const BYTE_UNITS = { b: 1, kb: 1024, mb: 1024 ** 2, gb: 1024 ** 3 } as const; // as express.json's `limit` reads them

/** The bytes of a size (a number, or a number and one of b, kb, mb, gb), or null. */
export function bytes(value: unknown): number | null {
  if (typeof value === 'number') return Number.isSafeInteger(value) && value > 0 ? value : null;
  const match = typeof value === 'string' ? /^(\d+(?:\.\d+)?)\s*(b|kb|mb|gb)$/i.exec(value) : null;
  const count = match ? Math.floor(Number(match[1]) * BYTE_UNITS[match[2]!.toLowerCase() as keyof typeof BYTE_UNITS]) : 0;
  return count > 0 ? count : null;
}

/** The host and port of `listen` (a port, or host:port; the host 127.0.0.1 when left out), or null. */
export function hostPort(value: unknown): { host: string; port: number } | null {
  const text = typeof value === 'number' ? String(value) : typeof value === 'string' ? value : '';
  const match = /^(?:\[([0-9A-Fa-f:.]+)\]:|([^\s:[\]/]+):)?(\d{1,5})$/.exec(text);
  const host = match?.[1] ?? match?.[2] ?? DEFAULT_LISTEN.host;
  if (!match || Number(match[3]) > 65535 || (match[1] !== undefined && net.isIPv6(host) === false)) return null;
  return { host, port: Number(match[3]) };
}

/** An ISO 8601 date, or date and time with a zone (YAML's core schema leaves timestamps strings). */
export function deadline(value: unknown): string | null {
  const iso = /^\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2}))?$/i;
  return typeof value === 'string' && iso.test(value) && Number.isFinite(Date.parse(value)) ? value : null;
}

// ---- Checks of values ------------------------------------------------------------------------

function urlOf(value: string): URL | null {
  return URL.canParse(value) ? new URL(value) : null;
}

const ORIGIN_MESSAGE = 'must be an http or https origin (no path, query or fragment), such as http://127.0.0.1:9000';

function originProblem(value: string): string | undefined {
  const url = urlOf(value);
  if (!url || !/^https?:$/.test(url.protocol) || url.pathname !== '/' || /[?#]/.test(value)) return ORIGIN_MESSAGE;
  if (url.username || url.password) return 'must not hold credentials';
}

function jwksUriProblem(value: string): string | undefined {
  const url = urlOf(value);
  if (!url || !/^https?:$/.test(url.protocol)) return 'must be an https URL, such as https://idp.example.com/.well-known/jwks.json';
  if (url.protocol === 'http:' && !['localhost', '127.0.0.1', '[::1]'].includes(url.hostname)) return 'must use https (http only for localhost and 127.0.0.1)';
  if (url.username || url.password) return 'must not hold credentials';
}

function httpUrlProblem(value: string): string | undefined {
  return /^https?:$/.test(urlOf(value)?.protocol ?? '') ? undefined : 'must be an http or https URL';
}

function addressProblem(value: string): string | undefined {
  const [address = '', prefix, ...rest] = value.split('/');
  const version = net.isIP(address);
  const prefixOk = prefix === undefined || (/^\d{1,3}$/.test(prefix) && Number(prefix) <= (version === 4 ? 32 : 128));
  if (!version || !prefixOk || rest.length > 0) return 'must be an IP address or a CIDR range, such as 10.0.0.0/8 or fd00::/8';
}

function mfaPathProblem(value: string): string | undefined {
  if (!/^(\/[A-Za-z0-9._~-]+)+$/.test(value) || /\/\.\.?(\/|$)/.test(value)) return "must start with '/' and hold simple segments, with no trailing '/', such as /mfa";
  if (/^\/authz(\/|$)/i.test(value)) return 'must not be under /authz (the forward-auth endpoints)';
}

/**
 * What compileGlob takes as literal characters, but the author of a file more likely means as the
 * syntax of other globs and regular expressions (`[a-z]`, `{a,b}`, `a|b`, `^`) or wrote by a slip
 * of quoting (`"`, `<`, `>`, `` ` ``): a rule holding one would never hold. `?` and white space, which
 * compileGlob refuses too, are here for the message.
 */
const FOREIGN_SYNTAX = /[\s?"<>[\]^`{|}]/;

/** The mistakes of a glob most often made, in the file's words, before compileGlob is asked. */
function globMistake(value: string): string | undefined {
  if (!value.startsWith('/')) return "must start with '/'";
  if (value === '/') return undefined;
  for (const segment of value.slice(1).split('/')) {
    // A trailing '/' too: compileGlob reads `/api/` as `/api`, nginx's `location /api/` as a prefix.
    if (segment === '') return "must not hold an empty segment ('//' or a trailing '/')";
    if (segment === '.' || segment === '..') return "must not hold '.' or '..' segments";
    if (FOREIGN_SYNTAX.test(segment)) return "may hold only path characters, '*' within a segment and '**' as a whole segment (no '?', '[', '{' or spaces)";
    if (segment !== '**' && segment.includes('**')) return "'**' must be a whole segment, such as /api/**";
  }
}

/**
 * Why a rule's path glob cannot be used, or undefined. {@link compileGlob} is the one definition of
 * a valid glob: what it refuses when the gateway starts, the file refuses here, with its line. Only
 * a trailing '/' and {@link FOREIGN_SYNTAX}, which it takes, are refused besides.
 */
function globProblem(value: string): string | undefined {
  const mistake = globMistake(value);
  if (mistake) return mistake;
  try {
    compileGlob(value);
  } catch (err) {
    if (!(err instanceof MfaError)) throw err;
    // Why, from normalizePath (which compileGlob asks first): its reasons never quote the value.
    const normalized = normalizePath(value);
    return normalized.ok ? "must be in normal form: no '.' or '..' segment in any spelling (such as %2e%2e)" : `is refused as a request's path would be: ${normalized.reason}`;
  }
}

// ---- The schema ------------------------------------------------------------------------------

const TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/; // RFC 9110 5.6.2, the characters of a method
const HOST_NAME = /^(\*\.)?[a-z0-9_]([a-z0-9_-]*[a-z0-9_])?(\.[a-z0-9_]([a-z0-9_-]*[a-z0-9_])?)*$/i;
const AMR_VALUE = /^[a-z]{2,16}$/; // RFC 8176 values, as @mfakit/core checks them
/** The JWS algorithms of a `tokens.secret`; the only ones it may have. */
const JWS_ALGORITHMS = [...HMAC_ALGORITHMS, ...PUBLIC_KEY_ALGORITHMS]; // what jose verifies
/** Where the gateway listens when `listen` is left out; its host too when `listen` is a port. */
export const DEFAULT_LISTEN = { host: '127.0.0.1', port: 8080 };
const AES_KEY_BYTES = 32; // AES-256, as @mfakit/core's key ring needs

const text = z.string().min(1);
const names = z.array(text).min(1);
const duration = parsed<Duration>(seconds, DURATION_MESSAGE);
const policy = z.enum(['bypass', 'authenticated', 'mfa', 'deny']);
const method = checked((value) => (TOKEN.test(value) ? undefined : 'must be an HTTP method, such as GET or POST'));
const host = checked((value) => (HOST_NAME.test(value) || /^\[[0-9A-Fa-f:.]+\]$/.test(value) ? undefined : 'must be a host name without a port, such as api.example.com or *.example.com'));
const amr = checked((value) => (AMR_VALUE.test(value) ? undefined : 'must be an RFC 8176 method, such as otp, hwk or mfa'));
const algorithm = checked((value) =>
  value.toLowerCase() === 'none' ? "'none' is refused: tokens must be signed" : JWS_ALGORITHMS.includes(value) ? undefined : `must be one of ${JWS_ALGORITHMS.join(', ')}`,
);
const encryptionKeys = checked(encryptionKeysProblem);

/** Why `encryption_keys` (or `MFA_ENCRYPTION_KEYS`) cannot be used, or undefined. */
export function encryptionKeysProblem(value: string): string | undefined {
  try {
    if (parseEncryptionKeys(value).every(({ key }) => key.length === AES_KEY_BYTES) && value.trim() !== '') return undefined;
  } catch {}
  return "must read 'kid:<32 bytes in base64>,...' (openssl rand -base64 32)";
}

const ruleSchema = strict({
  paths: z.array(checked(globProblem)).min(1),
  methods: z.array(method).min(1).optional(),
  hosts: z.array(host).min(1).optional(),
  roles: names.optional(),
  users: names.optional(),
  policy,
  max_age: duration.optional(),
  factors: z.array(amr).min(1).optional(),
  once: z.union([z.boolean(), strict({ bind_body: z.boolean().optional() })], { error: 'must be true, false or { bind_body: true }' }).optional(),
});

/** The whole file: every setting, its type and its check; unknown keys are refused. */
export const fileSchema = strict({
  listen: parsed<string | number>(hostPort, 'must be host:port or a port, such as 127.0.0.1:8080 or 8080').optional(),
  upstream: checked(originProblem).optional(),
  upstream_timeout: parsed<Duration>((value) => (seconds(value) ? value : null), `${DURATION_MESSAGE}, more than 0`).optional(),
  body_limit: parsed<string | number>(bytes, "must be a number of bytes or a size such as '16kb' or '10mb'").optional(),
  issuer: checked((value) => (value === '' ? 'must not be empty' : value.includes(':') ? "must not contain ':' (authenticator apps read the label up to it)" : undefined)),
  tokens: strict({
    jwks_uri: checked(jwksUriProblem).optional(),
    jwks_file: text.optional(),
    secret: z.string().min(MIN_SECRET_LENGTH, `must be at least ${MIN_SECRET_LENGTH} characters`).optional(),
    issuer: text.optional(),
    audience: z.union([text, names], { error: 'must be a string or a list of strings' }).optional(),
    algorithms: z.array(algorithm).min(1).optional(),
    clock_tolerance: duration.optional(),
    user_claim: text.optional(),
    roles_claim: text.optional(),
  }),
  trusted_proxies: z.array(checked(addressProblem)).optional(),
  default_policy: policy.optional(),
  mfa_path: checked(mfaPathProblem).optional(),
  admin_roles: z.array(text).optional(),
  data_dir: text.optional(),
  notifications_url: checked(httpUrlProblem).optional(),
  rules: z.array(ruleSchema),
  encryption_keys: encryptionKeys.optional(),
  policy: strict({
    required: z.union([z.literal('everyone'), strict({ roles: names })], { error: "must be 'everyone' or { roles: [admin, ...] }" }).optional(),
    trusted_amr: z.array(amr).optional(),
    trusted_acr: z.array(z.string().min(1)).optional(),
    enrollment_deadline: parsed<Deadline>(deadline, 'must be an ISO 8601 date, or date and time with a zone, such as 2027-01-31T00:00:00Z').optional(),
  }).optional(),
  session: strict({ lifetime: duration.optional(), idle_timeout: duration.optional() }).optional(),
  fresh_proof_max_age: duration.optional(),
  enrollment_ttl: duration.optional(),
  throttle: strict({
    max_failures: z.int().optional(),
    window: duration.optional(),
    backoff: z.array(duration).min(1).optional(),
    max_consecutive_failures: z.int().optional(),
    per_address: z.union([z.literal(false), strict({ max_failures: z.int().optional(), window: duration.optional() })], { error: 'must be false or { max_failures, window }' }).optional(),
  }).optional(),
  totp: strict({ algorithm: z.enum(['sha1', 'sha256', 'sha512']).optional(), digits: z.literal([6, 8]).optional(), period: z.int().optional(), window: z.int().optional() }).optional(),
  hotp: strict({ look_ahead: z.int().optional() }).optional(),
  webauthn: strict({
    rp_id: text,
    rp_name: text,
    origins: z.union([text, names], { error: 'must be an origin or a list of origins' }),
    top_origins: z.array(text).optional(),
    user_verification: z.enum(['required', 'preferred', 'discouraged']).optional(),
    attestation: z.enum(['none', 'direct']).optional(),
    resident_key: z.enum(['required', 'preferred', 'discouraged']).optional(),
    user_verified_is_mfa: z.boolean().optional(),
  }).optional(),
  recovery_code_cost: z.int().optional(),
});

/** The settings of a file that passed the schema, with the file's names. */
export type FileSettings = z.output<typeof fileSchema>;
