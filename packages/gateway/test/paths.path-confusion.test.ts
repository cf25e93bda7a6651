// Threat: a path spelled so that the gateway and the upstream disagree on what was asked (path confusion), slipping past a rule.
import { MAX_PATH_LENGTH, type NormalizedPath, normalizePath, type PathRefusal } from '../src/paths';

/** What a test expects: the normalized path, or the refusal's code. */
function outcome(result: NormalizedPath): string {
  return result.ok ? result.path : `refused: ${result.code}`;
}

const refused = (code: PathRefusal) => `refused: ${code}`;

describe('normalizePath', () => {
  test.each<[string, string, string]>([
    // Every spelling of `..`.
    ['dot-dot resolved', '/a/../b', '/b'],
    ['encoded dot-dot', '/a/%2e%2e/b', '/b'],
    ['mixed-case encoded dot-dot', '/a/%2E%2e/b', '/b'],
    ['half-encoded dot-dot', '/a/.%2e/b', '/b'],
    ['half-encoded dot-dot, the other half', '/a/%2E./b', '/b'],
    ['encoded dot-dot above the root', '/%2e%2e/x', refused('above_root')],
    ['dot-dot above the root', '/..', refused('above_root')],
    ['dot-dot above the root, later', '/a/../../x', refused('above_root')],
    ['half-encoded dot-dot above the root', '/.%2E/x', refused('above_root')],
    ['trailing dot-dot', '/a/..', '/'],
    ['trailing dot-dot keeps a trailing slash', '/a/b/..', '/a/'],
    ['three dots are a name', '/a/...', '/a/...'],
    ['dots inside a name', '/a/..b/c..', '/a/..b/c..'],
    ['encoded slash after dot-dot', '/a/..%2f', refused('encoded_slash')],
    ["Tomcat's ..;", '/..;/admin', refused('semicolon')],
    ["Tomcat's ..; under a segment", '/public/..;/admin', refused('semicolon')],
    ['double-encoded dot-dot', '/a/%252e%252e/', refused('double_encoding')],
    ['overlong UTF-8 dot', '/a/%C0%AE%C0%AE/b', refused('invalid_utf8')],
    ['fullwidth dot-dot', '/a/%EF%BC%8E%EF%BC%8E/b', refused('ascii_lookalike')],
    ['dot-dot after an empty segment', '/a//../b', refused('ambiguous_dot_segment')],
    // Slashes and backslashes.
    ['encoded slash', '/a%2Fb', refused('encoded_slash')],
    ['lower-case encoded slash', '/a%2fb', refused('encoded_slash')],
    ['encoded backslash', '/a%5Cb', refused('backslash')],
    ['lower-case encoded backslash', '/a%5cb', refused('backslash')],
    ['backslash', '/a\\b', refused('backslash')],
    ['backslash dot-dot', '/a\\..\\admin', refused('backslash')],
    ['double-encoded slash', '/a%252fb', refused('double_encoding')],
    ['double-encoded backslash', '/a%255cb', refused('double_encoding')],
    ['any encoded percent', '/100%25', refused('double_encoding')],
    ['fullwidth slash', '/a%EF%BC%8Fb', refused('ascii_lookalike')],
    ['overlong UTF-8 slash', '/a%C0%AFb', refused('invalid_utf8')],
    ['double slash', '//', '/'],
    ['repeated slashes merged', '///a//b', '/a/b'],
    ['trailing repeated slashes', '/a//', '/a/'],
    // Dot segments.
    ['lone dot segment', '/./', '/'],
    ['dot segment', '/a/./b', '/a/b'],
    ['encoded dot segment', '/a/%2E/b', '/a/b'],
    ['trailing dot segment keeps a trailing slash', '/a/.', '/a/'],
    // Percent-encoding.
    ['encoded tilde decoded', '/%7Euser', '/~user'],
    ['encoded letter decoded, its case kept', '/%41dmin', '/Admin'],
    ['encoded unreserved punctuation decoded', '/%2D%5F%2E%30', '/-_.0'],
    ['encoded space kept', '/a%20b', '/a%20b'],
    ['encoded question mark kept, upper-cased', '/a%3fb', '/a%3Fb'],
    ['encoded star kept', '/a%2a', '/a%2A'],
    ['encoded semicolon', '/a%3Bb', refused('semicolon')],
    ['lower-case encoded semicolon', '/a%3bb', refused('semicolon')],
    ['encoded UTF-8 kept, upper-cased', '/caf%c3%a9', '/caf%C3%A9'],
    ['encoded emoji kept', '/%F0%9F%98%80', '/%F0%9F%98%80'],
    ['encoded sharp s kept', '/stra%C3%9Fe', '/stra%C3%9Fe'],
    ['a bare percent', '/%', refused('malformed_encoding')],
    ['a percent and one digit', '/%4', refused('malformed_encoding')],
    ['a percent and non-hex', '/%zz', refused('malformed_encoding')],
    ['a percent cut by a slash', '/%4/1', refused('malformed_encoding')],
    ['truncated UTF-8', '/%C3', refused('invalid_utf8')],
    ['a byte that is never UTF-8', '/%FF', refused('invalid_utf8')],
    ['an encoded surrogate', '/%ED%A0%80', refused('invalid_utf8')],
    // Unicode look-alikes that some upstream folds to ASCII.
    ['fullwidth letter', '/%EF%BD%81dmin', refused('ascii_lookalike')],
    ['long s (upper-cases to S)', '/%C5%BFecret', refused('ascii_lookalike')],
    ['dotless i (upper-cases to I)', '/adm%C4%B1n', refused('ascii_lookalike')],
    ['Kelvin sign (lower-cases to k)', '/%E2%84%AAey', refused('ascii_lookalike')],
    ['no-break space (NFKC space)', '/a%C2%A0b', refused('ascii_lookalike')],
    // NUL and controls, raw and encoded.
    ['encoded NUL', '/a%00.json', refused('control')],
    ['raw NUL', '/a\u0000b', refused('control')],
    ['encoded line feed', '/a%0Ab', refused('control')],
    ['encoded carriage return', '/a%0db', refused('control')],
    ['encoded DEL', '/a%7Fb', refused('control')],
    ['raw tab', '/a\tb', refused('control')],
    ['raw DEL', '/a\u007fb', refused('control')],
    ['raw space', '/a b', refused('control')],
    // Raw characters.
    ['raw non-ASCII', '/café', refused('non_ascii')],
    ['raw latin-1 byte as a character', '/a\u00ffb', refused('non_ascii')],
    ['raw semicolon', '/admin;jsessionid=x/y', refused('semicolon')],
    ['raw question mark', '/a?b', refused('query_or_fragment')],
    ['raw fragment', '/a#b', refused('query_or_fragment')],
    ['sub-delims, colon and at kept', "/a!$&'()*+,=:@b", "/a!$&'()*+,=:@b"],
    ['other printable ASCII kept', '/a|b[0]!', '/a|b[0]!'],
    ['what URL parsers encode, encoded', '/a"b<c>d^e`f{x}', '/a%22b%3Cc%3Ed%5Ee%60f%7Bx%7D'],
    ['encoded or not, the same path', '/a%22b%7bx%7D', '/a%22b%7Bx%7D'],
    // Case and trailing slash as sent.
    ['case kept', '/API/Users', '/API/Users'],
    ['trailing slash kept', '/api/users/', '/api/users/'],
    ['root', '/', '/'],
    // Not a path.
    ['empty', '', refused('not_origin_form')],
    ['no leading slash', 'a/b', refused('not_origin_form')],
    ['asterisk-form', '*', refused('not_origin_form')],
    ['absolute-form', 'http://host/x', refused('not_origin_form')],
    ['a longest path', `/${'a'.repeat(MAX_PATH_LENGTH - 1)}`, `/${'a'.repeat(MAX_PATH_LENGTH - 1)}`],
    ['a path over 8 KiB', `/${'a'.repeat(MAX_PATH_LENGTH)}`, refused('too_long')],
    ['a long path of dot segments', '/a/.'.repeat(3000), refused('too_long')],
  ])('%s: %j', (_name, raw, expected) => {
    expect(outcome(normalizePath(raw))).toBe(expected);
  });

  test('every refusal carries a short reason for the problem detail', () => {
    const result = normalizePath('/a%2fb');
    expect(result).toEqual({ ok: false, code: 'encoded_slash', reason: 'an encoded slash (%2F)' });
  });

  test('a normalized path is a fixed point', () => {
    for (const raw of ['/a/%2e%2e/b/%7e/%3f', '///A//./b/', '/caf%c3%a9/x%2a']) {
      const once = normalizePath(raw);
      expect(once.ok).toBe(true);
      if (once.ok) expect(normalizePath(once.path)).toEqual(once);
    }
  });

  test.each<[string, string]>([
    ['/admin/%2e%2e/public', refused('dot_segment')],
    ['/admin/../public', refused('dot_segment')],
    ['/a/./b', refused('dot_segment')],
    ['/a/%2E', refused('dot_segment')],
    ['/a/.../b', '/a/.../b'],
    ['//a//b', '/a/b'],
  ])("dotSegments 'refuse' (forward auth, where the upstream gets the raw path): %j", (raw, expected) => {
    expect(outcome(normalizePath(raw, { dotSegments: 'refuse' }))).toBe(expected);
  });
});
