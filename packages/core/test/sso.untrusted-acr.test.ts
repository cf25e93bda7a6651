// Threat: an SSO token's `acr` claim is believed when the policy does not trust it (or for more
// than its value stands for), letting a user skip a phishing-resistant requirement.
import type { MfaUser } from '@mfakit/core';
import { mfaUserOf } from '@mfakit/core/http';
import { decide } from '@mfakit/testing';
import { enrollTotp, setup } from './helpers';

const HWK = { methods: ['hwk'] };
const sso = (acr: unknown, authTimeSeconds: number | undefined): MfaUser => ({ id: 'alice', acr: acr as string, authTime: authTimeSeconds });

test('an acr the policy does not trust gives nothing: no proof, whatever it says', async () => {
  for (const policy of [{}, { trustedAmr: ['mfa'] }, { trustedAcr: ['phr'] }]) {
    const h = setup({ policy });
    const now = Math.floor(h.clock.now() / 1000);
    const decision = await decide(h.mfa, { user: sso('phrh', now) }, HWK);
    expect(!decision.allow && decision.response.status).toBe(403); // no proof, no factor: enrollment required
  }
  // With a factor, the user is asked for a proof of it, as if the claim were not there.
  const h = setup();
  const alice = await enrollTotp(h);
  const decision = await decide(h.mfa, { user: { ...alice.user, acr: 'phrh', authTime: Math.floor(h.clock.now() / 1000) } }, HWK);
  expect(!decision.allow && decision.response.body).toMatchObject({ code: 'mfa_required' });
});

test('a trusted acr passes a hwk route with no session, with the amr its value stands for and its auth_time', async () => {
  const h = setup({ policy: { trustedAcr: ['phrh'] } });
  const now = Math.floor(h.clock.now() / 1000);
  h.clock.advanceSeconds(10);
  const decision = await decide(h.mfa, { user: sso('phrh', now) }, HWK);
  expect(decision.allow && decision.state).toMatchObject({ userId: 'alice', amr: ['hwk'], authTime: now * 1000, factorId: 'upstream' });
  expect(decision.allow && decision.headers['X-Session-Token']).toBeUndefined(); // nothing issued: the token is the proof
});

test('a trusted phr does not stand for a hardware key: a hwk route asks for one (phrh)', async () => {
  const h = setup({ policy: { trustedAcr: ['phr'] } });
  const decision = await decide(h.mfa, { user: sso('phr', Math.floor(h.clock.now() / 1000)) }, HWK);
  expect(!decision.allow && decision.response.body).toMatchObject({ code: 'mfa_method_required' });
  expect(!decision.allow && decision.response.headers['WWW-Authenticate']).toContain('acr_values="phrh"');
});

test('an acr value that is not in the mapping gives nothing, including the names of Object.prototype', async () => {
  const h = setup({ policy: { trustedAcr: ['phrh'] } });
  const now = Math.floor(h.clock.now() / 1000);
  for (const acr of ['gold', 'PHRH', 'phrh ', 'constructor', '__proto__', 'toString']) {
    const decision = await decide(h.mfa, { user: sso(acr, now) }, HWK);
    expect(!decision.allow && decision.response.status).toBe(403);
  }
  // A custom mapping without phrh: phrh is just another unknown value.
  const own = setup({ acr: { values: { gold: ['hwk'] } }, policy: { trustedAcr: ['gold'] } });
  expect((await decide(own.mfa, { user: sso('phrh', now) }, HWK)).allow).toBe(false);
  expect((await decide(own.mfa, { user: sso('gold', now) }, HWK)).allow).toBe(true);
});

test('a stale auth_time fails maxAge; no auth_time, or one from the future, is no proof at all', async () => {
  const h = setup({ policy: { trustedAcr: ['phrh'] } });
  const now = Math.floor(h.clock.now() / 1000);
  h.clock.advanceSeconds(600);
  const stale = await decide(h.mfa, { user: sso('phrh', now) }, { methods: ['hwk'], maxAge: 300 });
  expect(!stale.allow && stale.response.body).toMatchObject({ code: 'mfa_stale' });
  expect(!stale.allow && stale.response.headers['WWW-Authenticate']).toContain('max_age=300');
  expect((await decide(h.mfa, { user: sso('phrh', now) }, { methods: ['hwk'], maxAge: 900 })).allow).toBe(true);

  expect((await decide(h.mfa, { user: sso('phrh', undefined) }, HWK)).allow).toBe(false);
  const later = Math.floor(h.clock.now() / 1000) + 10 * 365 * 86_400;
  expect((await decide(h.mfa, { user: sso('phrh', later) }, HWK)).allow).toBe(false);
  // and it lasts no longer than an MFA session would (12 hours by default)
  h.clock.advanceSeconds(12 * 3600);
  expect((await decide(h.mfa, { user: sso('phrh', now) }, HWK)).allow).toBe(false);
});

test('an acr of the wrong type is ignored, as mfaUserOf reads it and as the core judges it', async () => {
  const h = setup({ policy: { trustedAcr: ['phrh'] } });
  const now = Math.floor(h.clock.now() / 1000);
  for (const acr of [['phrh'], { phrh: true }, 1, null, true]) {
    const user = mfaUserOf({ sub: 'alice', acr, auth_time: now });
    expect(user).toEqual({ id: 'alice', authTime: now });
    expect((await decide(h.mfa, { user: sso(acr, now) }, HWK)).allow).toBe(false);
  }
});
