// Threat: a token grants more than the demo's user table says: a role it claims (admin), or an MFA
// proof from a malformed `amr` or `auth_time`. The demo takes id and roles from its table, and
// keeps the token's `amr` and `auth_time` only when they have the right types (else drops them).
import { ssoToken, userOfClaims } from '@mfakit/example-shared';
import jwt from 'jsonwebtoken';

describe('userOfClaims and ssoToken', () => {
  const SECRET = 'test-secret-of-at-least-thirty-two-characters';
  const claims = (token: string) => jwt.verify(token, SECRET, { algorithms: ['HS256'] }) as jwt.JwtPayload;

  test('an SSO token names the demo user with the roles of the table, and its amr and auth_time', () => {
    const token = ssoToken(SECRET, { sub: 'admin', amr: ['pwd', 'mfa'], authTime: 1767225600 });
    expect(userOfClaims(claims(token))).toEqual({ id: 'admin', roles: ['staff', 'admin'], amr: ['pwd', 'mfa'], authTime: 1767225600 });
  });

  test.each<[string, Record<string, unknown>, object]>([
    ['roles claimed in the token are ignored', { sub: 'bob', roles: ['admin'] }, { id: 'bob', roles: ['staff'] }],
    ['an amr that is not a list of strings is dropped', { sub: 'bob', amr: 'mfa', auth_time: 1 }, { id: 'bob', roles: ['staff'], authTime: 1 }],
    ['an amr with a bad value is dropped whole', { sub: 'bob', amr: ['mfa', { x: 1 }] }, { id: 'bob', roles: ['staff'] }],
    ['an overlong amr value is dropped', { sub: 'bob', amr: ['m'.repeat(33)] }, { id: 'bob', roles: ['staff'] }],
    ['an auth_time that is not a positive number is dropped', { sub: 'bob', amr: ['mfa'], auth_time: '1767225600' }, { id: 'bob', roles: ['staff'], amr: ['mfa'] }],
    ['a negative auth_time is dropped', { sub: 'bob', auth_time: -5 }, { id: 'bob', roles: ['staff'] }],
  ])('%s', (_name, payload, user) => {
    expect(userOfClaims(payload)).toEqual(user);
  });

  test.each([{}, { sub: 'mallory' }, { sub: 42 }])('a payload naming no demo user is no user: %j', (payload) => {
    expect(userOfClaims(payload as jwt.JwtPayload)).toBeNull();
  });
});
