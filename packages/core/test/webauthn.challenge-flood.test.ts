// Threat: WebAuthn options requests succeed without a proof, and each keeps a challenge in the state
// store for five minutes; the per-address limit counts failures only, so a signed-in client asking
// in a loop fills the store (and spends the server's randomness and CPU) without ever failing.
import { handleRoute } from '@mfakit/core/http';
import { enrollPasskey, setup, WEBAUTHN } from './helpers';

test('at most 20 challenges per user in five minutes, both ceremonies together; then 429 rate_limited with Retry-After, and nothing is kept', async () => {
  const h = setup({ webauthn: WEBAUTHN });
  const key = await enrollPasskey(h, 'mallory'); // 1 challenge (registration)
  const statuses: number[] = [];
  for (let i = 0; i < 21; i += 1) {
    const route = i % 2 ? 'webauthnRegistrationOptions' : 'webauthnAuthenticationOptions';
    statuses.push((await handleRoute(h.mfa, route, { user: key.user, sessionToken: key.sessionToken, params: {}, body: undefined })).status);
  }
  expect(statuses).toEqual([...Array(19).fill(200), 429, 429]);
  const refused = await handleRoute(h.mfa, 'webauthnAuthenticationOptions', { user: key.user, params: {}, body: undefined });
  expect(refused).toMatchObject({ status: 429, headers: { 'Retry-After': '300' }, body: { code: 'rate_limited' } });
  expect(refused.body).not.toHaveProperty('challenge');
  expect(await h.mfa.webauthnAuthenticationOptions({ user: key.user })).toMatchObject({ ok: false });

  // Another user is not affected, and the window ends by itself.
  const alice = await enrollPasskey(h, 'alice');
  expect((await h.mfa.webauthnAuthenticationOptions({ user: alice.user })).ok).toBe(true);
  h.clock.advanceSeconds(300);
  expect((await h.mfa.webauthnAuthenticationOptions({ user: key.user })).ok).toBe(true);
});

test('a person who asks again now and then signs in as before', async () => {
  const h = setup({ webauthn: WEBAUTHN });
  const key = await enrollPasskey(h);
  for (let i = 0; i < 12; i += 1) {
    h.clock.advanceSeconds(30); // 12 options requests over six minutes, each answered
    const options = await h.mfa.webauthnAuthenticationOptions({ user: key.user });
    expect(options.ok).toBe(true);
  }
});
