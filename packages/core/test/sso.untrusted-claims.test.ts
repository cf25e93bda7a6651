// Threat: an upstream SSO claim stands for more than it proves: an `auth_time` years in the future
// counts as a proof made now on every request (passing every step-up), and untrusted `amr` values
// riding along with a trusted one satisfy routes that demand them.
import type { MfaUser } from '@mfakit/core';
import { setup } from './helpers';
import { decide } from '@mfakit/testing';

const sso = (authTimeSeconds: number, amr: string[]): { user: MfaUser } => ({ user: { id: 'alice', amr, authTime: authTimeSeconds } });

test('an auth_time more than a minute ahead of the clock is no proof at all', async () => {
  const h = setup({ policy: { trustedAmr: ['mfa'] } });
  const now = Math.floor(h.clock.now() / 1000);
  const tenYears = await decide(h.mfa, sso(now + 10 * 365 * 86_400, ['mfa']), { maxAge: 60 });
  expect(!tenYears.allow && tenYears.response.status).toBe(403); // no proof, no factor: enrollment required
  expect((await decide(h.mfa, sso(now + 61, ['mfa']))).allow).toBe(false);
  // Within a minute's skew (a fast IdP clock) it counts, as made now.
  const skewed = await decide(h.mfa, sso(now + 30, ['mfa']), { maxAge: 60 });
  expect(skewed.allow && skewed.state.authTime).toBe(h.clock.now());
  // and ages like any proof: five minutes later a 60-second step-up wants a new one.
  h.clock.advanceSeconds(300);
  expect((await decide(h.mfa, sso(now + 30, ['mfa']), { maxAge: 60 })).allow).toBe(false);
});

test('only trusted amr values become proved methods', async () => {
  const h = setup({ policy: { trustedAmr: ['mfa'] } });
  const now = Math.floor(h.clock.now() / 1000);
  const claims = sso(now, ['mfa', 'hwk']);
  const decision = await decide(h.mfa, claims, { methods: ['hwk'] });
  expect(!decision.allow && decision.response.body).toMatchObject({ code: 'mfa_method_required' });
  const plain = await decide(h.mfa, claims);
  expect(plain.allow && plain.state.amr).toEqual(['mfa']);

  // A value the organisation trusts counts for itself.
  const trusting = setup({ policy: { trustedAmr: ['mfa', 'hwk'] } });
  const hwk = await decide(trusting.mfa, claims, { methods: ['hwk'] });
  expect(hwk.allow && hwk.state.amr).toEqual(['mfa', 'hwk']);
});
