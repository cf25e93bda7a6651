// Threat: a request a rule was written for is decided by another rule or the default policy, because its path is spelled
// differently (case, trailing slash, encoding), its host carries a port, or it comes without the user the rule names.
import { MfaError } from '@mfakit/core';
import { normalizePath } from '../src/paths';
import { compileGlob, compileRules, type MatchRequest, type MatchUser } from '../src/rules';
import type { Rule } from '../src/types';

const alice: MatchUser = { id: 'alice', roles: ['staff'] };
const root: MatchUser = { id: 'root', roles: ['admin', 'staff'] };

/** A request as the gateway makes it: the path through normalizePath first. */
function request(path: string, method = 'GET', host = 'api.example.com'): MatchRequest {
  const normalized = normalizePath(path);
  if (!normalized.ok) throw new Error(`test path ${path} refused: ${normalized.reason}`);
  return { method, path: normalized.path, host };
}

function invalidOption(run: () => unknown): string {
  try {
    run();
  } catch (err) {
    if (err instanceof MfaError && err.code === 'invalid_option') return err.message;
    throw err;
  }
  throw new Error('expected MfaError invalid_option');
}

describe('compileGlob', () => {
  test.each<[string, string[], string[]]>([
    ['/health', ['/health', '/health/', '/HEALTH'], ['/', '/healthz', '/health/x', '/a/health']],
    ['/', ['/'], ['/a']],
    ['/users/*', ['/users/42', '/users/42/', '/users/*'], ['/users', '/users/', '/users/42/keys']],
    ['/api/*/items', ['/api/x/items', '/api/x/items/'], ['/api/items', '/api/x/y/items', '/api/x/items/1']],
    ['/files/*.pdf', ['/files/a.pdf', '/files/.pdf', '/files/A.PDF'], ['/files/a.pdf/x', '/files/a/b.pdf', '/files/a.pdfx']],
    ['/v*/users', ['/v1/users', '/v/users', '/V2/users'], ['/x1/users', '/v1/x/users']],
    ['/a*b*c', ['/abc', '/axxbyyc', '/abbc', '/abcbc'], ['/acb', '/ab', '/bc', '/a/b/c']],
    ['/public/**', ['/public', '/public/', '/public/a', '/public/a/b/c', '/Public/A'], ['/publicity', '/', '/x/public']],
    ['/**', ['/', '/a', '/a/b/c/'], []],
    ['/**/export', ['/export', '/a/export', '/a/b/export/'], ['/export/a', '/exports']],
    ['/org/**/settings', ['/org/settings', '/org/1/settings', '/org/1/2/3/settings'], ['/org/1/settings/x', '/org', '/settings']],
    ['/a/**/b/**/c', ['/a/b/c', '/a/x/b/y/c', '/a/b/b/c/c', '/a/c/b/c'], ['/a/c', '/a/b', '/a/c/b']],
    ['/a/**/**/b', ['/a/b', '/a/x/y/b'], ['/a']],
  ])('%s', (glob, matching, notMatching) => {
    const matches = compileGlob(glob);
    for (const path of matching) expect({ path, matches: matches(path) }).toEqual({ path, matches: true });
    for (const path of notMatching) expect({ path, matches: matches(path) }).toEqual({ path, matches: false });
  });

  test('ASCII case and a trailing slash do not matter, on either side', () => {
    expect(compileGlob('/api/transfers')('/api/transfers/')).toBe(true);
    expect(compileGlob('/api/transfers/')('/api/transfers')).toBe(true);
    expect(compileGlob('/admin/**')('/ADMIN/x')).toBe(true);
    expect(compileGlob('/Admin/**')('/aDMIN')).toBe(true);
  });

  test('a reserved character matches encoded or not, as upstreams decode both to the same name', () => {
    expect(compileGlob('/files/a+b')(request('/files/a%2bb').path)).toBe(true);
    expect(compileGlob('/files/a%2Bb')('/files/a+b')).toBe(true);
    expect(compileGlob('/admin:x/**')(request('/admin%3Ax/y').path)).toBe(true);
    expect(compileGlob('/star/%2A')('/star/*')).toBe(true);
    expect(compileGlob('/star/%2A')('/star/a')).toBe(false);
  });

  test('an unreserved character written encoded in the glob is the character', () => {
    expect(compileGlob('/%7Euser/%41')('/~user/a')).toBe(true);
  });

  test('non-ASCII characters match byte for byte, without case folding', () => {
    expect(compileGlob('/caf%c3%a9/**')(request('/caf%C3%A9/x').path)).toBe(true);
    expect(compileGlob('/caf%C3%A9')('/caf%C3%89')).toBe(false);
  });

  test.each<[string, string]>([
    ['admin/**', "must start with '/'"],
    ['/a/../b', 'normal form'],
    ['/a/./b', 'normal form'],
    ['/a//b', 'normal form'],
    ['/a**', "'**' must be a whole segment"],
    ['/***', "'**' must be a whole segment"],
    ['/a;b', 'semicolon'],
    ['/a%2Fb', 'encoded slash'],
    ['/a%25', 'encoded percent'],
  ])('refuses the glob %j at construction', (glob, message) => {
    expect(invalidOption(() => compileGlob(glob))).toContain(message);
  });

  test('matching time stays linear on a hostile path (no regular-expression backtracking)', () => {
    const path = request(`/${'a/'.repeat(4000)}`).path;
    const segment = request(`/${'a'.repeat(8000)}`).path;
    const started = process.hrtime.bigint();
    expect(compileGlob('/**/a/**/b/**/c')(path)).toBe(false);
    expect(compileGlob('/**/*a*a*a*a*b')(segment)).toBe(false);
    expect(Number(process.hrtime.bigint() - started) / 1e6).toBeLessThan(250);
  });
});

describe('compileRules', () => {
  test('the first rule that holds decides; none: the default policy, with rule null', () => {
    const rules: Rule[] = [
      { paths: ['/public/**'], policy: 'bypass', line: 3 },
      { paths: ['/**'], policy: 'mfa', line: 4 },
      { paths: ['/public/x'], policy: 'deny', line: 5 },
    ];
    const match = compileRules(rules, 'deny');
    expect(match(request('/public/x'), null)).toEqual({ policy: 'bypass', rule: rules[0] });
    expect(match(request('/private'), null)).toEqual({ policy: 'mfa', rule: rules[1] });
    expect(compileRules([rules[0]!], 'authenticated')(request('/private'), alice)).toEqual({ policy: 'authenticated', rule: null });
    expect(compileRules([], 'deny')(request('/'), alice)).toEqual({ policy: 'deny', rule: null });
  });

  test('maxAge and factors pass through; the answers are shared and frozen', () => {
    const rule: Rule = { paths: ['/api/transfers/**'], policy: 'mfa', maxAge: 300, factors: ['hwk', 'otp'] };
    const match = compileRules([rule], 'authenticated');
    const matched = match(request('/API/Transfers/'), alice);
    expect(matched).toEqual({ policy: 'mfa', maxAge: 300, factors: ['hwk', 'otp'], rule });
    expect(match(request('/api/transfers/1'), root)).toBe(matched);
    expect(Object.isFrozen(matched)).toBe(true);
    expect(Object.isFrozen(matched.factors)).toBe(true);
    expect(match(request('/other'), alice)).toBe(match(request('/else'), null));
  });

  test('a rule for /admin/** catches every spelling of the path that an upstream may route to it', () => {
    const match = compileRules([{ paths: ['/admin/**'], policy: 'mfa' }], 'bypass');
    for (const path of ['/admin', '/ADMIN/x', '/Admin/', '/%61dmin/x', '/public/../admin/users', '/public/%2e%2e/admin', '//admin//users', '/./admin']) {
      expect({ path, policy: match(request(path), null).policy }).toEqual({ path, policy: 'mfa' });
    }
  });

  test('methods match exactly (case-sensitive), and a GET rule also holds for HEAD', () => {
    const match = compileRules(
      [
        { paths: ['/api/**'], methods: ['POST', 'DELETE'], policy: 'mfa' },
        { paths: ['/reports/**'], methods: ['GET'], policy: 'mfa' },
      ],
      'authenticated',
    );
    expect(match(request('/api/x', 'POST'), alice).policy).toBe('mfa');
    expect(match(request('/api/x', 'DELETE'), alice).policy).toBe('mfa');
    expect(match(request('/api/x', 'GET'), alice).policy).toBe('authenticated');
    expect(match(request('/api/x', 'post'), alice).policy).toBe('authenticated');
    expect(match(request('/reports/1', 'GET'), alice).policy).toBe('mfa');
    expect(match(request('/reports/1', 'HEAD'), alice).policy).toBe('mfa');
    expect(match(request('/reports/1', 'OPTIONS'), alice).policy).toBe('authenticated');
  });

  test('hosts: any case, the port and a trailing dot ignored, *. for one label or more', () => {
    const match = compileRules(
      [
        { paths: ['/**'], hosts: ['admin.example.com', '[::1]'], policy: 'mfa' },
        { paths: ['/**'], hosts: ['*.internal.example.com'], policy: 'deny' },
      ],
      'bypass',
    );
    const policyAt = (host: string) => match(request('/x', 'GET', host), alice).policy;
    expect(policyAt('admin.example.com')).toBe('mfa');
    expect(policyAt('ADMIN.Example.COM:8443')).toBe('mfa');
    expect(policyAt('admin.example.com.')).toBe('mfa');
    expect(policyAt('admin.example.com.:443')).toBe('mfa');
    expect(policyAt('[::1]:8080')).toBe('mfa');
    expect(policyAt('x.admin.example.com')).toBe('bypass');
    expect(policyAt('a.internal.example.com')).toBe('deny');
    expect(policyAt('a.b.internal.example.com:80')).toBe('deny');
    expect(policyAt('internal.example.com')).toBe('bypass');
    expect(policyAt('evilinternal.example.com')).toBe('bypass');
    expect(policyAt('')).toBe('bypass');
  });

  test('roles and users hold only for a verified user who has one of them', () => {
    const match = compileRules(
      [
        { paths: ['/admin/**'], roles: ['admin'], policy: 'mfa' },
        { paths: ['/admin/**'], users: ['alice'], policy: 'authenticated' },
        { paths: ['/admin/**'], policy: 'deny' },
        { paths: ['/ops/**'], roles: ['ops', 'staff'], users: ['bob', 'alice'], policy: 'mfa' },
      ],
      'bypass',
    );
    expect(match(request('/admin/x'), root).policy).toBe('mfa');
    expect(match(request('/admin/x'), alice).policy).toBe('authenticated');
    expect(match(request('/admin/x'), { id: 'mallory', roles: [] }).policy).toBe('deny');
    expect(match(request('/admin/x'), null).policy).toBe('deny');
    expect(match(request('/ops/x'), alice).policy).toBe('mfa');
    expect(match(request('/ops/x'), { id: 'bob', roles: [] }).policy).toBe('bypass');
    expect(match(request('/ops/x'), { id: 'carol', roles: ['ops'] }).policy).toBe('bypass');
    expect(match(request('/ops/x'), null).policy).toBe('bypass');
  });

  test.each<[string, Rule[], string]>([
    ['a bad glob, naming the rule and its line', [{ paths: ['/a/../b'], policy: 'mfa', line: 7 }], "rule 1 (line 7): path '/a/../b' is not in normal form"],
    ['an empty list', [{ paths: ['/a'], roles: [], policy: 'mfa' }], 'roles is empty'],
    ['a lower-case method', [{ paths: ['/a'], methods: ['get'], policy: 'mfa' }], "method 'get'"],
    ['a host with a port', [{ paths: ['/a'], hosts: ['example.com:443'], policy: 'mfa' }], "host 'example.com:443'"],
    ['a wildcard inside a host', [{ paths: ['/a'], hosts: ['a.*.example.com'], policy: 'mfa' }], "host 'a.*.example.com'"],
    ['maxAge on a rule that is not mfa', [{ paths: ['/a'], policy: 'authenticated', maxAge: 60 }], 'mfa rules only'],
    ['factors on a rule that is not mfa', [{ paths: ['/a'], policy: 'bypass', factors: ['hwk'] }], 'mfa rules only'],
    ['a negative maxAge', [{ paths: ['/a'], policy: 'mfa', maxAge: -1 }], 'maxAge'],
    ['an unknown policy', [{ paths: ['/a'], policy: 'allow' as Rule['policy'] }], 'policy must be one of'],
  ])('refuses %s at construction', (_name, rules, message) => {
    expect(invalidOption(() => compileRules(rules, 'deny'))).toContain(message);
  });

  test('refuses an unknown default policy at construction', () => {
    expect(invalidOption(() => compileRules([], 'open' as Rule['policy']))).toContain('default policy');
  });
});
