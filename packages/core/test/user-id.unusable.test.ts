// Threat: an application hands the core a user whose id is empty (a claim that was missing) or
// absurdly long: state keyed on it would belong to no one, or to every user whose claim went
// missing the same way (and on a Redis Cluster an empty id is no hash tag, so a multi-key call
// fails). Every entry point refuses such a user before it reads or writes anything.
import { MfaError } from '@mfakit/core';
import { codeOf, enrollTotp, setup } from './helpers';

const UNUSABLE: [string, unknown][] = [
  ['an empty id', ''],
  ['an id of 257 characters', 'a'.repeat(257)],
  ['a number', 42],
  ['no id', undefined],
];

const action = { method: 'POST', path: '/payees' };

describe.each(UNUSABLE)('a user with %s', (_name, id) => {
  const user = { id } as { id: string };

  test('every method of mfa refuses it with MfaError invalid_user, and nothing is stored or announced', async () => {
    const h = setup({ oob: { send: () => undefined }, webauthn: { rpID: 'localhost', rpName: 'Acme', origins: ['http://localhost'] } });
    const req = { user, sessionToken: 'mfa_x' };
    const calls: [string, () => Promise<unknown>][] = [
      ['status', () => h.mfa.status(req)],
      ['startEnrollment', () => h.mfa.startEnrollment(req, 'totp')],
      ['confirmEnrollment', () => h.mfa.confirmEnrollment(req, 'totp', 'fac_x', '123456')],
      ['startOobEnrollment', () => h.mfa.startOobEnrollment(req, 'email', 'a@example.com')],
      ['confirmOobEnrollment', () => h.mfa.confirmOobEnrollment(req, 'email', 'fac_x', '123456')],
      ['sendChallenge', () => h.mfa.sendChallenge(req, 'fac_x')],
      ['verify', () => h.mfa.verify(req, { code: '123456' })],
      ['grant', () => h.mfa.grant(req, { code: '123456' }, action)],
      ['grantWebAuthn', () => h.mfa.grantWebAuthn(req, {}, action)],
      ['webauthnRegistrationOptions', () => h.mfa.webauthnRegistrationOptions(req)],
      ['registerWebAuthn', () => h.mfa.registerWebAuthn(req, {})],
      ['webauthnAuthenticationOptions', () => h.mfa.webauthnAuthenticationOptions(req)],
      ['authenticateWebAuthn', () => h.mfa.authenticateWebAuthn(req, {})],
      ['regenerateRecoveryCodes', () => h.mfa.regenerateRecoveryCodes(req)],
      ['removeFactor', () => h.mfa.removeFactor(req, 'fac_x')],
      ['endSession', () => h.mfa.endSession(req)],
      ['admin.revokeUser', () => h.mfa.admin.revokeUser(id as string, { by: 'admin' })],
      ['admin.unlockUser', () => h.mfa.admin.unlockUser(id as string, { by: 'admin' })],
      ['admin.grantExemption', () => h.mfa.admin.grantExemption(id as string, { reason: 'r', expiresIn: '1d' }, { by: 'admin' })],
      ['admin.liftExemption', () => h.mfa.admin.liftExemption(id as string, { by: 'admin' })],
      ['admin.enableFactor', () => h.mfa.admin.enableFactor(id as string, 'fac_x', { by: 'admin' })],
    ];
    for (const [name, call] of calls) {
      const error = await call().then(
        () => new Error(`${name} accepted it`),
        (err: unknown) => err,
      );
      expect([name, error]).toEqual([name, expect.any(MfaError)]);
      expect([name, (error as MfaError).code]).toEqual([name, 'invalid_user']);
      expect((error as MfaError).message).toMatch(/^A user id must be a string of 1 to 256 characters; got /);
    }
    expect(h.events).toEqual([]);
    expect(await h.store.listFactors('')).toEqual([]);
  });

  test('check answers authentication_required, as the HTTP routes do', async () => {
    const h = setup();
    expect(codeOf(await h.mfa.check({ user }))).toBe('authentication_required');
  });
});

test('a user id of 256 characters is a user like any other', async () => {
  const h = setup();
  const enrolled = await enrollTotp(h, 'a'.repeat(256));
  expect(codeOf(await h.mfa.check({ user: enrolled.user, sessionToken: enrolled.sessionToken }))).toBe('ok');
});
