// Step-up grants as an application meets them: made with each kind of proof, recorded like any
// proof, and refused for a malformed action. The threats each have their own file (grant.*.test.ts).
import { decide, totpCode } from '@mfakit/testing';
import { digestOf, ONCE_BODY, presenting } from './grantHelpers';
import { assertion, codeOf, enrollPasskey, enrollTotp, setup, unwrap, WEBAUTHN } from './helpers';

const BODY = '{"name":"bob","account":"DE89"}';
const ACTION = { method: 'POST', path: '/api/payees', digest: digestOf(BODY) };

test('a passkey makes a grant with its own methods (hwk), which a route demanding hwk accepts', async () => {
  const h = setup({ webauthn: WEBAUTHN });
  const alice = await enrollPasskey(h);
  const granted = unwrap(await h.mfa.grantWebAuthn({ user: alice.user }, await assertion(h, alice), ACTION));
  expect(granted).toEqual({ grant: expect.stringMatching(/^mfg_/), expiresAt: granted.authTime + 300_000, amr: ['hwk'], authTime: h.clock.now(), factorId: alice.factorId });
  const request = presenting(alice, granted.grant, 'POST', '/api/payees', BODY);
  expect(await decide(h.mfa, request, { ...ONCE_BODY, methods: ['hwk'] })).toMatchObject({ allow: true, state: { amr: ['hwk'], factorId: alice.factorId } });
});

test('a recovery code makes a grant, says how many codes are left, and is spent', async () => {
  const h = setup();
  const alice = await enrollTotp(h);
  const [code] = alice.recoveryCodes;
  const granted = unwrap(await h.mfa.grant({ user: alice.user }, { recoveryCode: code! }, ACTION));
  expect(granted).toMatchObject({ factorId: 'recovery', amr: ['otp'], recoveryCodesRemaining: 9 });
  expect(codeOf(await h.mfa.grant({ user: alice.user }, { recoveryCode: code! }, ACTION))).toBe('mfa_invalid_code');
});

test('a grant is recorded like any proof: the audit event and the last proof, no session', async () => {
  const h = setup();
  const alice = await enrollTotp(h);
  h.events.length = 0;
  h.clock.advanceSeconds(30);
  unwrap(await h.mfa.grant({ user: alice.user, ip: '203.0.113.9' }, { code: totpCode(alice.secret, h.clock) }, ACTION));
  expect(h.events).toEqual([expect.objectContaining({ type: 'verification.succeeded', userId: 'alice', ip: '203.0.113.9', amr: ['otp'] })]);
  expect((await h.mfa.status({ user: alice.user })).session).toBeNull();
});

test.each([
  ['no path', { method: 'POST' }],
  ['a relative path', { method: 'POST', path: 'api/payees' }],
  ['a path with a space', { method: 'POST', path: '/api/pay ees' }],
  ['a path too long', { method: 'POST', path: `/${'a'.repeat(2048)}` }],
  ['a method that is no token', { method: 'PO ST', path: '/x' }],
  ['an unknown digest algorithm', { method: 'POST', path: '/x', digest: 'md5=:AAAAAAAAAAAAAAAAAAAAAA==:' }],
  ['a digest of the wrong length', { method: 'POST', path: '/x', digest: 'sha-256=:AAAA:' }],
  ['two digests', { method: 'POST', path: '/x', digest: `${digestOf('a')}, ${digestOf('b').replace('sha-256', 'sha-512')}` }],
  ['an unknown field', { method: 'POST', path: '/x', amount: 10 }],
  ['not an object', 'POST /x'],
])('a malformed action (%s) is invalid_request, and the code is not checked', async (_name, action) => {
  const h = setup();
  const alice = await enrollTotp(h);
  const outcome = await h.mfa.grant({ user: alice.user }, { code: 'not even a code' }, action as never);
  expect(codeOf(outcome)).toBe('invalid_request');
  expect(h.events.filter((e) => e.type === 'verification.failed')).toEqual([]);
});
