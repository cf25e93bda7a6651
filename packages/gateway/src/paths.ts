import { TextDecoder } from 'node:util';

/**
 * The longest path accepted, in characters of the raw path. RFC 9112 section 3 recommends that
 * servers accept request-lines of at least 8000 octets; a longer path is refused rather than
 * matched, so a rule's matcher never runs on more than 8 KiB.
 */
export const MAX_PATH_LENGTH = 8192;

/** Why {@link normalizePath} refused a path: a stable code to switch on (the `reason` is for people). */
export type PathRefusal =
  /** Empty, or not starting with `/`: `*` (asterisk-form), `http://host/x` (absolute-form), `x`. */
  | 'not_origin_form'
  /** Longer than {@link MAX_PATH_LENGTH}. */
  | 'too_long'
  /** `%` not followed by two hex digits: `%`, `%4`, `%zz`. */
  | 'malformed_encoding'
  /** `%25`, an encoded `%`: `%252e`, `%252f`, `%255c` would become `.`, `/`, `\` on a second decoding. */
  | 'double_encoding'
  /** `%2F`: one segment to the gateway, two to an upstream that decodes before it splits. */
  | 'encoded_slash'
  /** `\` or `%5C`: a slash to Windows servers and to WHATWG URL parsers (Node's `new URL`). */
  | 'backslash'
  /** A control character (0x00 to 0x1F, 0x7F), raw or encoded (`%00`, `%0A`), or a raw space. */
  | 'control'
  /** `;` or `%3B`: Tomcat, Jetty and Spring cut path parameters (`/admin;x/y` is `/admin/y`, `/..;/` is `/../`). */
  | 'semicolon'
  /** A raw `?` or `#`: the caller passes the path alone, and upstreams disagree on a `#` in a request target. */
  | 'query_or_fragment'
  /** A raw character above 0x7E: clients percent-encode UTF-8 (RFC 3986 section 2.5). */
  | 'non_ascii'
  /** Percent-encoded bytes above 0x7F that are not UTF-8, such as the overlong `%C0%AE` (a dot to lax decoders). */
  | 'invalid_utf8'
  /** An encoded character that NFKC or a one-to-one case mapping turns into ASCII: `%EF%BC%8E` (fullwidth `.`), `%C5%BF` (`ſ`, `s`), `%E2%84%AA` (Kelvin sign, `k`). */
  | 'ascii_lookalike'
  /** A `..` segment, in any spelling (`..`, `%2e%2e`, `.%2E`), with no segment left to remove: `/..`, `/a/../../x`. */
  | 'above_root'
  /** A `..` segment that would remove an empty segment (`/a//../b`): `/a/b` without slash merging, `/b` with it. */
  | 'ambiguous_dot_segment'
  /** A `.` or `..` segment, in any spelling, when {@link NormalizeOptions.dotSegments} is `'refuse'`. */
  | 'dot_segment';

/** The outcome of {@link normalizePath}: the normalized path, or why the request is a 400. */
export type NormalizedPath = { ok: true; path: string } | { ok: false; code: PathRefusal; reason: string };

/** Options of {@link normalizePath}. */
export interface NormalizeOptions {
  /**
   * `'resolve'` removes `.` and `..` segments (RFC 3986 section 5.2.4), which is right when the
   * gateway forwards the normalized path itself (standalone). `'refuse'` refuses any path with one,
   * which is right for forward auth: the proxy then sends the upstream the path as the client
   * wrote it, and Node's routers (Express, Koa, Fastify) do not resolve `/admin/%2e%2e/public`
   * while the gateway would have judged `/public`. Clients never need either: browsers and HTTP
   * libraries resolve dot segments before they send.
   * @defaultValue `'resolve'`
   */
  dotSegments?: 'resolve' | 'refuse';
}

const REASONS: Record<PathRefusal, string> = {
  not_origin_form: "the path must start with '/'",
  too_long: `the path is longer than ${MAX_PATH_LENGTH} characters`,
  malformed_encoding: "'%' must be followed by two hex digits",
  double_encoding: 'an encoded percent sign (%25)',
  encoded_slash: 'an encoded slash (%2F)',
  backslash: 'a backslash, raw or encoded (%5C)',
  control: 'a control character, raw or encoded, or a raw space',
  semicolon: 'a semicolon, raw or encoded (%3B)',
  query_or_fragment: "a raw '?' or '#' in the path",
  non_ascii: 'a raw non-ASCII character (percent-encode its UTF-8 bytes)',
  invalid_utf8: 'percent-encoded bytes that are not UTF-8',
  ascii_lookalike: 'an encoded character that folds to ASCII (fullwidth, ligature or case look-alike)',
  above_root: "a '..' segment above the root",
  ambiguous_dot_segment: "a '..' segment after an empty segment ('//..')",
  dot_segment: "a '.' or '..' segment",
};

const REFUSALS = Object.fromEntries(Object.entries(REASONS).map(([code, reason]) => [code, Object.freeze({ ok: false, code, reason })])) as Record<PathRefusal, NormalizedPath>;

const UNRESERVED = /^[A-Za-z0-9._~-]$/;
const HEX = '0123456789ABCDEF';

/**
 * The refusal of each raw ASCII character that is refused, by character code; the others (ALPHA,
 * DIGIT, `-._~`, the sub-delims but `;`, `:`, `@`, `/`, `[]|`) are kept as sent, but for
 * {@link ENCODED_RAW}.
 */
const RAW_REFUSAL: (PathRefusal | undefined)[] = Array.from({ length: 128 }, (_, code) => {
  if (code < 0x20 || code === 0x20 || code === 0x7f) return 'control';
  if (code === 0x5c) return 'backslash';
  if (code === 0x3b) return 'semicolon';
  if (code === 0x3f || code === 0x23) return 'query_or_fragment';
  return undefined;
});

/**
 * Raw characters that a WHATWG URL parser percent-encodes in a path (its path percent-encode set,
 * `^` included as newer parsers do): the normalized path holds them encoded already, so that any
 * proxy or upstream that parses it with one reads the path the rules matched, byte for byte.
 */
const ENCODED_RAW: (string | undefined)[] = Array.from({ length: 128 }, (_, code) => ('"<>^`{}'.includes(String.fromCharCode(code)) ? `%${code.toString(16).toUpperCase()}` : undefined));

/** What an encoded byte below 0x80 becomes: a refusal, the character itself (unreserved), or `%XX` in upper case. */
const ENCODED_ASCII: ({ refusal: PathRefusal } | { text: string })[] = Array.from({ length: 128 }, (_, byte) => {
  const char = String.fromCharCode(byte);
  if (byte < 0x20 || byte === 0x7f) return { refusal: 'control' };
  if (byte === 0x2f) return { refusal: 'encoded_slash' };
  if (byte === 0x5c) return { refusal: 'backslash' };
  if (byte === 0x25) return { refusal: 'double_encoding' };
  if (byte === 0x3b) return { refusal: 'semicolon' };
  return { text: UNRESERVED.test(char) ? char : `%${HEX[byte >> 4]}${HEX[byte & 15]}` };
});

/**
 * A path that needs no work: segments of characters kept as sent, none of them `.` or `..`, no
 * empty segment but a trailing one. Most requests take this way, with no allocation but the result.
 */
const ALREADY_NORMAL = /^(?:\/(?!\.\.?(?:\/|$))[A-Za-z0-9._~!$&'()*+,=:@-]+)*\/?$/;

const STRICT_UTF8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });
const SLASH = 0x2f;
const PERCENT = 0x25;

/**
 * Normalizes the path of a request target, as the gateway both matches and forwards it, or says why
 * it is refused (answer 400). `raw` is the path alone: the caller cuts the target at the first `?`.
 *
 * What it does: percent-encoded unreserved characters (ALPHA, DIGIT, `-._~`, RFC 3986 section 2.3)
 * are decoded; every other percent-encoding is kept, its hex in upper case (`%3f` is `%3F`); the
 * raw characters `"<>^\`{}`, which RFC 3986 does not allow and URL parsers encode, are encoded;
 * `.` and `..` segments are resolved (RFC 3986 section 5.2.4) after that decoding, so `%2e%2e` is
 * `..`; repeated slashes are merged. Case and a trailing slash are kept as sent: paths are
 * case-sensitive upstream, and the rules' matching ignores both (see `compileGlob`).
 *
 * Refused (most of them as Spring Security's `StrictHttpFirewall` refuses them), raw or encoded:
 * - an encoded slash `%2F`; a backslash `\` or `%5C`; a semicolon `;` or `%3B` (path parameters,
 *   Tomcat's `/..;/`);
 * - any `%25` (double encoding: `%252e`, `%252f`, `%255c`); a malformed `%` (`%`, `%4`, `%zz`);
 * - NUL and every control character (0x00 to 0x1F, 0x7F), and a raw space;
 * - a raw `?` or `#`; a raw non-ASCII character; encoded bytes that are not UTF-8 (overlong
 *   `%C0%AE`); an encoded character that folds to ASCII (fullwidth `%EF%BC%8F`, `ſ`, Kelvin sign);
 * - `..` above the root (`/..`, `/a/../../x`, `/%2e%2e/x`), or after an empty segment (`/a//..`);
 * - a path not starting with `/` (empty, `*`, `http://host/x`), or longer than 8 KiB.
 *
 * @param raw - The path of the request target, as received (no query).
 * @param options - {@link NormalizeOptions}: resolve or refuse dot segments.
 * @returns `{ ok: true, path }`, or `{ ok: false, code, reason }` with a short reason for the problem detail.
 * @see RFC 3986 sections 2.3, 2.4, 5.2.4 and 6.2.2; RFC 9112 section 3.2.1 (origin-form)
 * @example
 * normalizePath('/API//v1/%7euser/./x%2fy'); // { ok: false, code: 'encoded_slash', reason: 'an encoded slash (%2F)' }
 * normalizePath('/API//v1/%7euser/../x%3f'); // { ok: true, path: '/API/v1/x%3F' }
 * normalizePath('/admin/%2e%2e/public', { dotSegments: 'refuse' }); // { ok: false, code: 'dot_segment', ... }
 */
export function normalizePath(raw: string, options?: NormalizeOptions): NormalizedPath {
  if (raw.length > MAX_PATH_LENGTH) return REFUSALS.too_long;
  if (raw.charCodeAt(0) !== SLASH) return REFUSALS.not_origin_form;
  if (ALREADY_NORMAL.test(raw)) return { ok: true, path: raw };
  const segments: string[] = [];
  let trailingSlash = false;
  let start = 1;
  while (start <= raw.length) {
    let end = raw.indexOf('/', start);
    if (end === -1) end = raw.length;
    const segment = decodeSegment(raw, start, end);
    if (typeof segment !== 'string') return REFUSALS[segment.refusal];
    const last = end === raw.length;
    if (segment === '.' || segment === '..') {
      if (options?.dotSegments === 'refuse') return REFUSALS.dot_segment;
      if (segment === '..') {
        if (segments.length === 0) return REFUSALS.above_root;
        if (segments.pop() === '') return REFUSALS.ambiguous_dot_segment;
      }
    } else if (segment !== '' || !last) {
      segments.push(segment);
    }
    trailingSlash = last && (segment === '' || segment === '.' || segment === '..');
    start = end + 1;
  }
  const kept = segments.filter((segment) => segment !== '');
  if (kept.length === 0) return { ok: true, path: '/' };
  return { ok: true, path: `/${kept.join('/')}${trailingSlash ? '/' : ''}` };
}

/** One segment (`raw` from `start` to `end`, no slash in it), decoded as normalizePath says, or the refusal. */
function decodeSegment(raw: string, start: number, end: number): string | { refusal: PathRefusal } {
  let out = '';
  let plainFrom = start;
  let i = start;
  while (i < end) {
    const code = raw.charCodeAt(i);
    if (code >= 0x80) return { refusal: 'non_ascii' };
    const refusal = RAW_REFUSAL[code];
    if (refusal) return { refusal };
    const encoded = ENCODED_RAW[code];
    if (encoded) {
      out += raw.slice(plainFrom, i) + encoded;
      i += 1;
      plainFrom = i;
      continue;
    }
    if (code !== PERCENT) {
      i += 1;
      continue;
    }
    out += raw.slice(plainFrom, i);
    const byte = hexByte(raw, i, end);
    if (byte < 0) return { refusal: 'malformed_encoding' };
    if (byte < 0x80) {
      const decoded = ENCODED_ASCII[byte]!;
      if ('refusal' in decoded) return decoded;
      out += decoded.text;
      i += 3;
    } else {
      const runEnd = encodedRunEnd(raw, i, end);
      const refusal = checkEncodedText(raw, i, runEnd);
      if (refusal) return { refusal };
      out += raw.slice(i, runEnd).toUpperCase();
      i = runEnd;
    }
    plainFrom = i;
  }
  return out + raw.slice(plainFrom, end);
}

/** The byte of the `%XX` at `at`, or -1 when it is not `%` and two hex digits before `end`. */
function hexByte(raw: string, at: number, end: number): number {
  if (at + 2 >= end) return -1;
  const high = hexDigit(raw.charCodeAt(at + 1));
  const low = hexDigit(raw.charCodeAt(at + 2));
  return high < 0 || low < 0 ? -1 : (high << 4) | low;
}

function hexDigit(code: number): number {
  if (code >= 0x30 && code <= 0x39) return code - 0x30;
  const lower = code | 0x20;
  return lower >= 0x61 && lower <= 0x66 ? lower - 0x61 + 10 : -1;
}

/** Where the run of `%XX` encodings of bytes above 0x7F that starts at `at` ends. */
function encodedRunEnd(raw: string, at: number, end: number): number {
  let i = at;
  while (i < end && raw.charCodeAt(i) === PERCENT && hexByte(raw, i, end) >= 0x80) i += 3;
  return i;
}

/** Why the encoded bytes of `raw` from `from` to `to` are refused, or undefined: they must be UTF-8 of no ASCII look-alike. */
function checkEncodedText(raw: string, from: number, to: number): PathRefusal | undefined {
  const bytes = new Uint8Array((to - from) / 3);
  for (let i = 0; i < bytes.length; i += 1) bytes[i] = hexByte(raw, from + i * 3, to);
  let text: string;
  try {
    text = STRICT_UTF8.decode(bytes);
  } catch {
    return 'invalid_utf8';
  }
  for (const char of text) if (foldsToAscii(char)) return 'ascii_lookalike';
  return undefined;
}

/**
 * Whether an upstream could read a non-ASCII character as ASCII: under NFKC (fullwidth forms,
 * ligatures, `…`), lower-casing (Kelvin sign, `İ`) or a one-to-one upper-casing (`ı`, `ſ`), as
 * Java's `equalsIgnoreCase` and .NET's `OrdinalIgnoreCase` compare. `ß` (upper-cased `SS`) passes.
 */
function foldsToAscii(char: string): boolean {
  const upper = char.toUpperCase();
  return hasAscii(char.normalize('NFKC')) || hasAscii(char.toLowerCase()) || (upper.length === char.length && hasAscii(upper));
}

function hasAscii(text: string): boolean {
  for (let i = 0; i < text.length; i += 1) if (text.charCodeAt(i) < 0x80) return true;
  return false;
}
