// Threat: a route that demands a phishing-resistant factor is passed with a weaker one (an OTP session), however fresh.
import { totpCode, decide } from '@mfakit/testing';
import { enrollTotp, setup } from './helpers';

test("methods ['hwk'] refuses a fresh otp-only session: mfa_method_required with acr_values phrh", async () => {
  const h = setup();
  const alice = await enrollTotp(h);
  const decision = await decide(h.mfa, { user: alice.user, sessionToken: alice.sessionToken }, { methods: ['hwk'], maxAge: 300 });
  expect(decision).toMatchObject({ allow: false, response: { status: 401, body: { code: 'mfa_method_required', status: 401 } } });
  if (decision.allow) return;
  expect(decision.response.headers['WWW-Authenticate']).toMatch(/^Bearer error="insufficient_user_authentication", .*acr_values="phrh"/);
});

test('any passkey (hwk or swk) is asked for as phr; other methods are named in the challenge', async () => {
  const h = setup();
  const alice = await enrollTotp(h);
  const decision = await decide(h.mfa, { user: alice.user, sessionToken: alice.sessionToken }, { methods: ['hwk', 'swk'] });
  expect(!decision.allow && decision.response.headers['WWW-Authenticate']).toContain('acr_values="phr"');
  const other = await decide(h.mfa, { user: alice.user, sessionToken: alice.sessionToken }, { methods: ['hwk', 'sms'] });
  expect(!other.allow && other.response.headers['WWW-Authenticate']).toContain('acr_values="hwk sms"');
});

test('an inline OTP code does not satisfy a hwk route either', async () => {
  const h = setup();
  const alice = await enrollTotp(h);
  h.clock.advanceSeconds(30);
  const decision = await decide(h.mfa, { user: alice.user, inlineCode: totpCode(alice.secret, h.clock) }, { methods: ['hwk'] });
  expect(decision).toMatchObject({ allow: false, response: { body: { code: 'mfa_method_required' } } });
});

test('a recovery code proof does not satisfy a hwk route', async () => {
  const h = setup();
  const alice = await enrollTotp(h);
  const verified = await h.mfa.verify({ user: alice.user }, { recoveryCode: alice.recoveryCodes[0]! });
  if (!verified.ok) throw new Error('recovery code refused');
  const decision = await decide(h.mfa, { user: alice.user, sessionToken: verified.value.sessionToken }, { methods: ['hwk'] });
  expect(decision).toMatchObject({ allow: false, response: { body: { code: 'mfa_method_required' } } });
});
