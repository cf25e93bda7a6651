import { MfaError } from '@mfakit/core';
import { normalizePath } from './paths';
import type { Policy, Rule } from './types';

/** What {@link compileRules}' matcher reads of a request. */
export interface MatchRequest {
  /** The method as received (`GET`); methods are case-sensitive (RFC 9110 section 9.1). */
  method: string;
  /** The path as {@link normalizePath} answered it. */
  path: string;
  /** The `Host` (or trusted `X-Forwarded-Host`) as received: any case, a port allowed. */
  host: string;
}

/** What {@link compileRules}' matcher reads of the user of a verified token. */
export interface MatchUser {
  id: string;
  roles: readonly string[];
}

/**
 * The rule that decides a request, and what it asks. The object is shared by every request the
 * rule decides, and frozen.
 */
export interface MatchedRule {
  readonly policy: Policy;
  /** `mfa` only: the last proof must be at most this many seconds old. */
  readonly maxAge?: number;
  /** `mfa` only: the session must hold one of these RFC 8176 methods. */
  readonly factors?: string[];
  /** The rule, or null when no rule held and the default policy applies. */
  readonly rule: Rule | null;
}

/** Answers which rule decides a request: the first whose every condition holds, else the default policy. */
export type RuleMatcher = (request: MatchRequest, user: MatchUser | null) => MatchedRule;

/**
 * One segment of a glob: null for `**` (any number of segments), else its literal pieces around
 * `*`s, as match keys (`v1` is `['v1']`, `*` is `['', '']`, `*.pdf` is `['', '.pdf']`).
 */
type Segment = readonly string[] | null;

interface CompiledRule {
  paths: ((key: string) => boolean)[];
  methods: ReadonlySet<string> | null;
  hosts: { names: ReadonlySet<string>; suffixes: readonly string[] } | null;
  roles: ReadonlySet<string> | null;
  users: ReadonlySet<string> | null;
  result: MatchedRule;
}

const POLICIES: readonly Policy[] = ['bypass', 'authenticated', 'mfa', 'deny'];
/** An RFC 9110 token (section 5.6.2) without lower-case letters: methods are case-sensitive, and the standard ones upper-case. */
const METHOD = /^[!#$%&'*+.^_`|~0-9A-Z-]+$/;
/** A host name (an optional `*.` first) or a bracketed IPv6 address, lower-case, without a port. */
const HOST = /^(?:(?:\*\.)?[a-z0-9_-]+(?:\.[a-z0-9_-]+)*|\[[0-9a-f:.]+\])$/;
/** `%XX` of an ASCII character: a match key reads `%2B` and `+`, `%3F` and `?` alike. */
const ENCODED_ASCII = /%[0-7][0-9A-Fa-f]/g;

/**
 * Compiles a path glob into a test of normalized paths. `*` matches within one segment (any
 * characters but `/`; alone, one whole segment): `/users/*` matches `/users/42`, not `/users` nor
 * `/users/42/keys`; `/files/*.pdf` matches `/files/a.pdf`. `**` as a whole segment matches zero or
 * more segments, at the end (`/public/**` matches `/public`, `/public/` and `/public/a/b`), at the
 * start (`/**` matches every path) or between two segments.
 *
 * The gateway matches as permissively as the most permissive upstream routes, so that no
 * spelling slips past a rule: without regard to ASCII case (Express, Koa's router and
 * `mfaServerOptions` of Fastify route `/ADMIN/x` as `/admin/x`), with a trailing slash or without
 * (`/api/transfers/` matches `/api/transfers`, and the other way), and with a reserved character
 * percent-encoded or not (`/a+b` matches `/a%2Bb`, since upstreams decode both to the same name).
 * Non-ASCII characters stay percent-encoded in a normalized path and match byte for byte
 * (`%C3%A9` is not `%C3%89`). Matching takes time linear in the path for each `**` and `*`,
 * never exponential, whatever the path.
 *
 * @param glob - A path in normal form (no `.` or `..` segment, no repeated slash), with `*` and `**`.
 * @returns A test of a path as {@link normalizePath} answers it.
 * @throws MfaError `invalid_option` when the glob is not a normalized path (as {@link normalizePath}
 * refuses it, or with dot segments or repeated slashes), or has `**` inside a segment.
 * @example
 * const isPublic = compileGlob('/public/**');
 * isPublic('/public'); // true
 * isPublic('/PUBLIC/css/site.css'); // true
 * isPublic('/publicity'); // false
 * compileGlob('/users/*')('/Users/42/'); // true
 */
export function compileGlob(glob: string): (path: string) => boolean {
  const matches = compileKeyedGlob(glob, `path glob '${glob}'`);
  return (path) => matches(matchKey(path));
}

/**
 * Compiles the rules, once at start-up, into the matcher the gateway asks on every request. The
 * first rule whose every condition holds decides; with none, `defaultPolicy` does (`rule: null`).
 * Conditions left out hold for every request. A rule's conditions:
 * - `paths`: one of the globs matches (see {@link compileGlob}: ASCII case, a trailing slash and
 *   the encoding of reserved characters are ignored);
 * - `methods`: the method is one of them, exactly (RFC 9110 section 9.1: methods are
 *   case-sensitive, so `get` is not `GET`, as Node's parser and nginx refuse it); a rule naming
 *   `GET` also holds for `HEAD`, which Express, Fastify, Spring and Go serve with the GET handler;
 * - `hosts`: the request's host, without regard to case, without its port and a trailing dot, is
 *   one of them; `*.example.com` matches `a.example.com` and `a.b.example.com`, not `example.com`;
 * - `roles`: the user has at least one of them; `users`: the user's id is one of them. A rule with
 *   either never holds for a request without a verified user.
 *
 * @param rules - The rules, in order.
 * @param defaultPolicy - The policy of a request no rule matches.
 * @returns The matcher: no rule is parsed per request, and the answers are shared, frozen objects.
 * @throws MfaError `invalid_option` for an unknown policy, a bad glob, method or host, an empty
 * list, a negative `maxAge`, or `maxAge`/`factors`/`once` on a rule that is not `mfa`.
 * @example
 * const match = compileRules(
 *   [
 *     { paths: ['/health', '/public/**'], policy: 'bypass' },
 *     { paths: ['/api/transfers/**'], methods: ['POST'], policy: 'mfa', maxAge: 300 },
 *     { paths: ['/admin/**'], roles: ['admin'], policy: 'mfa', factors: ['hwk'] },
 *     { paths: ['/admin/**'], policy: 'deny' },
 *   ],
 *   'authenticated',
 * );
 * match({ method: 'POST', path: '/API/transfers/', host: 'bank.example:443' }, { id: 'alice', roles: [] }).policy; // 'mfa'
 */
export function compileRules(rules: readonly Rule[], defaultPolicy: Policy): RuleMatcher {
  if (!POLICIES.includes(defaultPolicy)) throw new MfaError('invalid_option', `the default policy must be one of ${POLICIES.join(', ')}, got '${defaultPolicy}'`);
  const compiled = rules.map((rule, index) => compileRule(rule, `rule ${index + 1}${rule.line === undefined ? '' : ` (line ${rule.line})`}`));
  const byDefault: MatchedRule = Object.freeze({ policy: defaultPolicy, rule: null });
  const needsHost = compiled.some((rule) => rule.hosts !== null);
  return function matchRule(request, user) {
    const key = matchKey(request.path);
    const host = needsHost ? hostKey(request.host) : '';
    for (const rule of compiled) {
      if (rule.methods !== null && !rule.methods.has(request.method)) continue;
      if (rule.users !== null && (user === null || !rule.users.has(user.id))) continue;
      if (rule.roles !== null && (user === null || !hasAny(rule.roles, user.roles))) continue;
      if (rule.hosts !== null && !matchesHost(rule.hosts, host)) continue;
      if (matchesAny(rule.paths, key)) return rule.result;
    }
    return byDefault;
  };
}

/**
 * Whether a request may fall under a rule that binds step-up grants to the body (`once: { bindBody:
 * true }`), whoever sends it: the rules' `roles` and `users` are left out, since the token is
 * verified only after the body has been read. Standalone mode reads the body of such a request
 * before the decision (and of no other request without `X-MFA-Grant`); it may read a body in vain,
 * when an earlier rule or a user condition decides otherwise, never miss one.
 *
 * @param rules - The rules, as {@link compileRules} takes them.
 * @returns The test: true when some body-binding rule's paths, methods and hosts hold.
 * @example
 * const mayBindBody = compileBodyBinding([{ methods: ['POST'], paths: ['/api/payees'], policy: 'mfa', once: { bindBody: true } }]);
 * mayBindBody({ method: 'POST', path: '/api/payees', host: 'api.example.com' }); // true
 */
export function compileBodyBinding(rules: readonly Rule[]): (request: MatchRequest) => boolean {
  const binding = rules.filter((rule) => rule.once?.bindBody).map(({ roles: _roles, users: _users, ...rule }) => rule);
  if (binding.length === 0) return () => false;
  const match = compileRules(binding, 'bypass');
  return (request) => match(request, null).rule !== null;
}

function compileRule(rule: Rule, where: string): CompiledRule {
  const invalid = (message: string) => new MfaError('invalid_option', `${where}: ${message}`);
  if (!POLICIES.includes(rule.policy)) throw invalid(`policy must be one of ${POLICIES.join(', ')}, got '${rule.policy}'`);
  for (const [name, list] of Object.entries({ paths: rule.paths, methods: rule.methods, hosts: rule.hosts, roles: rule.roles, users: rule.users, factors: rule.factors })) {
    if (list !== undefined && list.length === 0) throw invalid(`${name} is empty, so the rule would never hold: leave it out`);
  }
  if (rule.policy !== 'mfa' && (rule.maxAge !== undefined || rule.factors !== undefined || rule.once !== undefined)) throw invalid('maxAge, factors and once apply to mfa rules only');
  if (rule.maxAge !== undefined && !(Number.isFinite(rule.maxAge) && rule.maxAge >= 0)) throw invalid(`maxAge must be a number of seconds, got ${rule.maxAge}`);
  const methods = rule.methods?.map((method) => {
    if (!METHOD.test(method)) throw invalid(`method '${method}' is not an upper-case method name`);
    return method;
  });
  if (methods?.includes('GET') && !methods.includes('HEAD')) methods.push('HEAD');
  const hosts = rule.hosts?.map((host) => {
    const name = host.toLowerCase().replace(/\.$/, '');
    if (!HOST.test(name)) throw invalid(`host '${host}' is not a host name ('*.' only in front, no port)`);
    return name;
  });
  const result: MatchedRule = Object.freeze({
    policy: rule.policy,
    ...(rule.maxAge !== undefined && { maxAge: rule.maxAge }),
    ...(rule.factors !== undefined && { factors: Object.freeze([...rule.factors]) as string[] }),
    rule,
  });
  return {
    paths: rule.paths.map((glob) => compileKeyedGlob(glob, `${where}: path '${glob}'`)),
    methods: methods ? new Set(methods) : null,
    hosts: hosts
      ? {
          names: new Set(hosts.filter((host) => !host.startsWith('*.'))),
          suffixes: hosts.filter((host) => host.startsWith('*.')).map((host) => host.slice(1)),
        }
      : null,
    roles: rule.roles ? new Set(rule.roles) : null,
    users: rule.users ? new Set(rule.users) : null,
    result,
  };
}

/** Compiles a glob into a test of match keys; `where` names it in the error. */
function compileKeyedGlob(glob: string, where: string): (key: string) => boolean {
  const normalized = normalizePath(glob);
  if (!normalized.ok) throw new MfaError('invalid_option', `${where}: ${normalized.reason}`);
  if (matchKey(normalized.path) !== matchKey(glob)) throw new MfaError('invalid_option', `${where} is not in normal form (no '.' or '..' segment, no repeated slash)`);
  const segments: Segment[] = [];
  for (const part of normalized.path.split('/')) {
    if (part === '') continue;
    if (part === '**') {
      if (segments.at(-1) !== null) segments.push(null);
    } else if (part.includes('**')) {
      throw new MfaError('invalid_option', `${where}: '**' must be a whole segment`);
    } else {
      segments.push(part.split('*').map(matchKey));
    }
  }
  return (key) => matchSegments(key, segments);
}

/**
 * What a path is compared as: ASCII encodings decoded but `%2F` (a normalized path has no `%2F`
 * or `%25` anyway), then lower-cased. Encoded non-ASCII bytes stay encoded.
 */
function matchKey(path: string): string {
  const decoded = path.includes('%') ? path.replace(ENCODED_ASCII, decodeAscii) : path;
  return decoded.toLowerCase();
}

function decodeAscii(encoding: string): string {
  const char = String.fromCharCode(Number.parseInt(encoding.slice(1), 16));
  return char === '/' ? encoding : char;
}

/**
 * Whether the segments of `key` match the glob's: the classic wildcard walk, with `**` as the star
 * and a segment's pieces as the letter. It keeps only the last `**` to fall back to, which is
 * enough since every other pattern segment matches exactly one path segment: O(path x glob) steps.
 * A trailing slash of the key is ignored: the empty segment after it is never read.
 */
function matchSegments(key: string, pattern: readonly Segment[]): boolean {
  const end = key.length;
  let p = 0;
  let s = 1;
  let starP = -1;
  let starS = 0;
  while (s < end) {
    const segmentEnd = endOfSegment(key, s);
    const segment = pattern[p];
    if (segment === null) {
      starP = p;
      starS = s;
      p += 1;
    } else if (segment !== undefined && matchPieces(key, s, segmentEnd, segment)) {
      p += 1;
      s = segmentEnd + 1;
    } else if (starP >= 0) {
      p = starP + 1;
      starS = endOfSegment(key, starS) + 1;
      s = starS;
    } else {
      return false;
    }
  }
  while (pattern[p] === null) p += 1;
  return p === pattern.length;
}

function endOfSegment(key: string, start: number): number {
  const slash = key.indexOf('/', start);
  return slash === -1 ? key.length : slash;
}

/**
 * Whether the segment of `key` from `start` to `end` is `pieces` joined by `*`s: a lone piece the
 * whole segment; else the first piece a prefix, the last a suffix, the others found leftmost in
 * between (leftmost is always enough for `*`). A normalized path has no empty segment, so a lone
 * `*` matches exactly one segment.
 */
function matchPieces(key: string, start: number, end: number, pieces: readonly string[]): boolean {
  const first = pieces[0]!;
  if (pieces.length === 1) return end - start === first.length && key.startsWith(first, start);
  const last = pieces[pieces.length - 1]!;
  const tail = end - last.length;
  if (tail < start + first.length || !key.startsWith(first, start) || !key.startsWith(last, tail)) return false;
  let at = start + first.length;
  for (let i = 1; i < pieces.length - 1; i += 1) {
    const piece = pieces[i]!;
    while (at + piece.length <= tail && !key.startsWith(piece, at)) at += 1;
    if (at + piece.length > tail) return false;
    at += piece.length;
  }
  return true;
}

/** The host as rules compare it: lower-case, without the port and a trailing dot (`Example.COM.:8443` is `example.com`). */
function hostKey(host: string): string {
  let end = host.length;
  if (host.startsWith('[')) {
    const close = host.indexOf(']');
    if (close !== -1) end = close + 1;
  } else {
    const colon = host.indexOf(':');
    if (colon !== -1) end = colon;
  }
  if (host.charCodeAt(end - 1) === 0x2e) end -= 1;
  return host.slice(0, end).toLowerCase();
}

function matchesHost(hosts: NonNullable<CompiledRule['hosts']>, host: string): boolean {
  if (hosts.names.has(host)) return true;
  for (const suffix of hosts.suffixes) if (host.length > suffix.length && host.endsWith(suffix)) return true;
  return false;
}

function hasAny(set: ReadonlySet<string>, values: readonly string[]): boolean {
  for (const value of values) if (set.has(value)) return true;
  return false;
}

function matchesAny(tests: readonly ((key: string) => boolean)[], key: string): boolean {
  for (const test of tests) if (test(key)) return true;
  return false;
}
