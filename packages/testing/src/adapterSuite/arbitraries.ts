import fc from 'fast-check';

/**
 * Path segments that broke a router, a normalizer or a proxy somewhere: every spelling of a dot
 * segment, encoded and double-encoded slashes and backslashes, path parameters (`;`), NUL and line
 * breaks raw and encoded, overlong UTF-8, Unicode look-alikes of ASCII, raw and encoded non-ASCII,
 * glob characters and the printable ASCII that WHATWG URL parsers encode.
 */
const TRICKY_SEGMENTS = [
  '',
  '.',
  '..',
  '...',
  '..x',
  'x..',
  '%2e',
  '%2E%2e',
  '.%2e',
  '%2e.',
  '%2f',
  '%2F',
  '%5c',
  '\\',
  ';x=1',
  '..;',
  '%3b',
  '%00',
  '\u0000',
  '%0a',
  '%0d%0a',
  '%09',
  '%7f',
  '%25',
  '%252e%252e',
  '%252f',
  '%c0%ae',
  '%c0%af',
  '%ef%bc%8e',
  '%EF%BC%8F',
  '%C5%BF',
  '%E2%84%AA',
  '%c4%b1',
  '%C2%A0',
  'caf%c3%a9',
  'café',
  '%F0%9F%98%80',
  '😀',
  '%ED%A0%80',
  '%FF',
  '%',
  '%4',
  '%zz',
  '*',
  '**',
  '%20',
  '+',
  '~',
  '%7e',
  '%41dmin',
  '"',
  '<x>',
  '{x}',
  '|',
  '^',
  '`',
  '[0]',
  '@',
  ':',
  "$&'()=,!",
  '%3f',
  '%23',
];

/** One segment a client might send: a tricky one, printable ASCII, any Unicode, or a long run. */
export const fuzzedSegment: fc.Arbitrary<string> = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom(...TRICKY_SEGMENTS) },
  { weight: 2, arbitrary: fc.string({ unit: 'grapheme-ascii', maxLength: 12 }) },
  { weight: 1, arbitrary: fc.string({ unit: 'grapheme', maxLength: 6 }) },
  { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 6 }) },
  { weight: 1, arbitrary: fc.integer({ min: 256, max: 9000 }).map((length) => 'a'.repeat(length)) },
);

/** `x` with the case of its ASCII letters swapped: `/MFA/verify` for `/mfa/VERIFY`. */
function swapCase(text: string): string {
  return text.replace(/[A-Za-z]/g, (char) => (char === char.toLowerCase() ? char.toUpperCase() : char.toLowerCase()));
}

/** Every character of `text` percent-encoded as UTF-8, the hex in upper or lower case. */
function percentEncoded(text: string, upper: boolean): string {
  const hex = Array.from(Buffer.from(text, 'utf8'), (byte) => `%${byte.toString(16).padStart(2, '0')}`).join('');
  return upper ? hex.toUpperCase() : hex;
}

/** A segment of a route template as a client might spell it, or something else in its place. */
function spelled(segment: string): fc.Arbitrary<string> {
  const literal = segment.startsWith(':') ? fc.oneof(fc.constantFrom('fac_x', 'alice', 'fac_'.padEnd(300, 'x')), fuzzedSegment) : fc.constant(segment);
  return fc.oneof(
    { weight: 6, arbitrary: literal },
    { weight: 1, arbitrary: literal.map(swapCase) },
    { weight: 1, arbitrary: fc.tuple(literal, fc.boolean()).map(([text, upper]) => percentEncoded(text, upper)) },
    { weight: 2, arbitrary: fuzzedSegment },
  );
}

/** What may stand between two segments: one slash, or a spelling that resolves to one, or not. */
const SEPARATORS = fc.oneof({ weight: 12, arbitrary: fc.constant('/') }, { weight: 1, arbitrary: fc.constantFrom('//', '/./', '/%2e/', '/x/../', '/x/%2e%2e/', '\\', '/;/', '/..;/', '%2f', '/%00/') });

/** What may end a path: nothing, a slash, a dot segment, a query, a fragment or a path parameter. */
const ENDINGS = fc.oneof(
  { weight: 6, arbitrary: fc.constant('') },
  { weight: 1, arbitrary: fc.constantFrom('/', '//', '/.', '/..', '/%2e%2e', ';jsessionid=x', '%00', '%20', '.json', '#x', '?') },
  { weight: 1, arbitrary: fc.string({ unit: 'grapheme-ascii', maxLength: 16 }).map((query) => `?${query}`) },
);

/** Request targets that are not a path at all. */
const NOT_PATHS = fc.constantFrom('', '*', 'mfa/verify', 'http://127.0.0.1/mfa/verify', '//mfa/verify', '/\\mfa', '?x=1', '#');

/**
 * Request targets (the path, sometimes a query or a fragment) built from route templates the way
 * clients and attackers spell them: each template's segments as written, with their case swapped,
 * percent-encoded (upper or lower hex), or replaced by a tricky segment (dot segments in every
 * spelling, encoded slashes, `;`, NUL, overlong UTF-8, look-alikes, long runs); `:param` segments
 * filled with ids or junk; separators doubled or dotted; and a few targets that are no path. Raw
 * characters are left raw: what a client can put on the wire is the sender's business.
 *
 * @param templates - Route paths such as `/mfa/totp/:factorId/confirm`.
 * @returns An arbitrary of raw request targets.
 * @example
 * fc.assert(fc.property(fuzzedTarget(['/api/users/:id']), (target) => normalizes(target)));
 */
export function fuzzedTarget(templates: readonly string[]): fc.Arbitrary<string> {
  const fromTemplate = fc
    .constantFrom(...templates)
    .chain((template) => {
      const segments = template.split('/').filter((segment) => segment !== '');
      return fc.tuple(fc.tuple(...segments.map(spelled)), fc.array(SEPARATORS, { minLength: segments.length, maxLength: segments.length }), ENDINGS);
    })
    .map(([segments, separators, ending]) => (segments.length === 0 ? '/' : segments.map((segment, i) => `${separators[i]}${segment}`).join('')) + ending);
  return fc.oneof({ weight: 20, arbitrary: fromTemplate }, { weight: 1, arbitrary: NOT_PATHS });
}

/** Object keys that have broken JSON handlers: prototype keys, the contract's own fields, and junk. */
const KEYS = fc.oneof(
  {
    weight: 3,
    arbitrary: fc.constantFrom(
      '__proto__',
      'constructor',
      'prototype',
      'polluted',
      'toString',
      'valueOf',
      'hasOwnProperty',
      'code',
      'recoveryCode',
      'factorId',
      'action',
      'method',
      'path',
      'digest',
      'label',
      'email',
      'phone',
      'response',
      'id',
      'rawId',
      'type',
      'clientDataJSON',
      'authenticatorData',
      'signature',
      'userHandle',
      'attestationObject',
      'transports',
      'reason',
      'expiresAt',
      'expiresIn',
      'length',
      '0',
      '',
    ),
  },
  { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 8 }) },
);

/** JSON leaves, as text: the odd numbers JSON allows, strings with NUL, lone surrogates and Unicode, huge strings, code-shaped strings. */
const LEAVES = fc.oneof(
  fc.constantFrom('null', 'true', 'false', '0', '-0', '1e400', '-1e400', '123456', '1.5', '12345678901234567890123', '9007199254740993', '1e-400'),
  fc.integer().map(String),
  fc.double({ noNaN: true, noDefaultInfinity: true }).map((value) => JSON.stringify(value)),
  fc.string({ unit: 'binary', maxLength: 20 }).map((text) => JSON.stringify(text)),
  fc.string({ unit: 'grapheme', maxLength: 20 }).map((text) => JSON.stringify(text)),
  fc.constantFrom('"\\u0000"', '"\\ud800"', '"\\udfff\\ud800"', '"123\\u0000456"', '"AAAA-AAAA-AAAA-AAAA"', '"fac_x"', '" 123 456 "', '"\\uFEFF123456"'),
  fc.integer({ min: 1_000, max: 40_000 }).map((length) => JSON.stringify('7'.repeat(length))),
);

/** A JSON text, built as text so that it can hold what `JSON.stringify` never writes: duplicate keys, `__proto__` as a key, `1e400`. */
const JSON_TEXT: fc.Arbitrary<string> = fc.letrec<{ value: string; array: string; object: string }>((tie) => ({
  value: fc.oneof({ depthSize: 'small', withCrossShrink: true }, LEAVES, tie('array'), tie('object')),
  array: fc.array(tie('value'), { maxLength: 5 }).map((items) => `[${items.join(',')}]`),
  object: fc.array(fc.tuple(KEYS, tie('value')), { maxLength: 6 }).map((entries) => `{${entries.map(([key, value]) => `${JSON.stringify(key)}:${value}`).join(',')}}`),
})).value;

/** Payloads that pollute a prototype when a handler merges, assigns or walks the body carelessly. */
const POLLUTERS = fc.constantFrom(
  '{"__proto__":{"polluted":"yes"}}',
  '{"constructor":{"prototype":{"polluted":"yes"}}}',
  '{"code":"123456","__proto__":{"code":"000000","polluted":"yes"}}',
  '[{"__proto__":{"polluted":"yes"}}]',
  '{"response":{"__proto__":{"polluted":"yes"},"id":"x","rawId":"x","type":"public-key","response":{"clientDataJSON":"e30","__proto__":{"polluted":"yes"}}}}',
  '{"action":{"method":"POST","path":"/x","__proto__":{"polluted":"yes"}},"code":"123456"}',
  '{"reason":"r","expiresAt":"2030-01-01T00:00:00Z","constructor":{"prototype":{"polluted":"yes"}}}',
);

/** Nesting deeper than any handler expects: arrays or objects, a few hundred to several thousand levels. */
const DEEP = fc
  .tuple(fc.integer({ min: 100, max: 7000 }), fc.boolean())
  .map(([depth, objects]) => (objects ? `${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}` : `${'['.repeat(depth)}${']'.repeat(depth)}`));

/** Text that is not JSON, or nearly: truncated, single-quoted, a BOM in front, a trailing comma. */
const NOT_JSON = fc.oneof(
  fc.constantFrom('{', '{"code":', 'nul', '"abc', "{'code':'123456'}", '{"code":"1",}', '\uFEFF{"code":"123456"}', '[1,2', 'NaN', '{"a":1}{"b":2}', '--', '<xml/>'),
  fc.string({ unit: 'binary', maxLength: 40 }),
);

/**
 * Request bodies, as the bytes to send: JSON of any shape (wrong types, huge and deeply nested
 * values, Unicode, NUL and lone surrogates, duplicate keys, `__proto__` and `constructor` keys,
 * numbers beyond a double), payloads that pollute prototypes, text that is not JSON, and bytes
 * that are not UTF-8.
 *
 * @returns An arbitrary of bodies.
 * @example
 * fc.assert(fc.asyncProperty(fuzzedBody(), async (body) => expect((await post(body)).status).toBeLessThan(500)));
 */
export function fuzzedBody(): fc.Arbitrary<Buffer> {
  return fc.oneof(
    { weight: 6, arbitrary: JSON_TEXT.map((text) => Buffer.from(text)) },
    { weight: 2, arbitrary: POLLUTERS.map((text) => Buffer.from(text)) },
    { weight: 1, arbitrary: DEEP.map((text) => Buffer.from(text)) },
    { weight: 1, arbitrary: NOT_JSON.map((text) => Buffer.from(text)) },
    { weight: 1, arbitrary: fc.uint8Array({ maxLength: 64 }).map((bytes) => Buffer.from(bytes)) },
  );
}

/** Header names: the ones mfakit and its adapters read, the proxy and method-override ones, and any token. */
const HEADER_NAMES = fc.oneof(
  {
    weight: 4,
    arbitrary: fc.constantFrom(
      'X-Session-Token',
      'X-MFA-Token',
      'X-MFA-Grant',
      'Content-Type',
      'Content-Encoding',
      'Content-Digest',
      'Repr-Digest',
      'Accept',
      'Accept-Encoding',
      'Authorization',
      'Cookie',
      'X-Forwarded-For',
      'X-Forwarded-Host',
      'X-Forwarded-Proto',
      'Forwarded',
      'X-Real-IP',
      'Origin',
      'Referer',
      'User-Agent',
      'X-HTTP-Method-Override',
      'X-Original-URL',
      'If-None-Match',
      'Range',
      'Idempotency-Key',
    ),
  },
  { weight: 1, arbitrary: fc.stringMatching(/^[A-Za-z0-9!#$%&'*+.^_`|~-]{1,24}$/) },
);

/** Header values worth sending to such a header. */
const HEADER_VALUES = fc.oneof(
  {
    weight: 3,
    arbitrary: fc.constantFrom(
      'application/json',
      'application/json; charset=utf-8',
      'application/json; charset=utf-16',
      'application/json; charset=koi8-r',
      'application/problem+json',
      'text/plain',
      'application/x-www-form-urlencoded',
      'multipart/form-data; boundary=x',
      'gzip',
      'br',
      'identity',
      'Bearer x',
      'mfa_session=x; mfa_session=y',
      'mfa_x',
      '123456',
      '000000',
      'sha-256=:47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=:',
      '127.0.0.1, 10.0.0.1',
      '::1',
      'for=unknown;proto=https',
      'DELETE',
      '/mfa/admin/report',
      '*/*',
      '',
      ' ',
    ),
  },
  { weight: 2, arbitrary: fc.string({ unit: 'grapheme-ascii', maxLength: 40 }) },
  { weight: 1, arbitrary: fc.string({ unit: fc.integer({ min: 0x80, max: 0xff }).map((code) => String.fromCharCode(code)), maxLength: 12 }) },
  { weight: 1, arbitrary: fc.integer({ min: 1_000, max: 20_000 }).map((length) => 'v'.repeat(length)) },
  { weight: 1, arbitrary: fc.oneof(fc.ipV4(), fc.ipV6()) },
);

/** One header as it goes on the wire: a name, and a value as text (Latin-1) or as raw bytes (UTF-8, or invalid characters). */
export type WireHeader = [name: string, value: string | Buffer];

/** Values only a raw socket sends: UTF-8 bytes, which Node's client refuses as text, and control characters. */
const RAW_VALUES = fc.oneof(
  fc.string({ unit: 'grapheme', minLength: 1, maxLength: 12 }).map((text) => Buffer.from(text, 'utf8')),
  fc.constantFrom('a\u0000b', 'a\rb', 'a\nb', 'a\u007fb', 'a\u0001b', ' leading and trailing ', '\tx').map((text) => Buffer.from(text, 'latin1')),
);

/**
 * Request headers as they go on the wire, duplicates included (two `X-Session-Token`, two
 * `Content-Type`): the headers mfakit reads and those proxies and method overrides use, with
 * well-formed, malformed, Latin-1, UTF-8, huge and control-character values. Never `Host`,
 * `Content-Length`, `Transfer-Encoding` or `Connection`, which the sender writes itself.
 *
 * @returns An arbitrary of header lists, in order.
 * @example
 * fc.assert(fc.asyncProperty(fuzzedHeaders(), async (headers) => checkAnswer(await sendRaw(port, { method: 'GET', target: '/', headers }))));
 */
export function fuzzedHeaders(): fc.Arbitrary<WireHeader[]> {
  const header = fc.oneof({ weight: 8, arbitrary: fc.tuple(HEADER_NAMES, HEADER_VALUES) }, { weight: 1, arbitrary: fc.tuple(HEADER_NAMES, RAW_VALUES) });
  return fc.array(header, { maxLength: 6 }).chain((headers) => (headers.length > 0 && headers.length < 6 ? fc.constantFrom(headers, [...headers, headers[0]!]) : fc.constant(headers)));
}
