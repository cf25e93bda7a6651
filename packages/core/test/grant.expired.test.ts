// Threat: a step-up grant left unused (an abandoned form, a stolen grant) is used long after the proof it carries, or after the user's factors were revoked.
import { decide, totpCode } from '@mfakit/testing';
import { GRANT_LIFETIME_MS } from '@mfakit/core';
import { grantFor, ONCE, presenting } from './grantHelpers';
import { enrollTotp, setup, unwrap } from './helpers';

const ACTION = { method: 'POST', path: '/api/payees' };

test.each([
  [GRANT_LIFETIME_MS - 1, true],
  [GRANT_LIFETIME_MS, false],
])('a grant lapses five minutes after its proof, whatever the route allows: used %i ms after, passes: %s', async (after, passes) => {
  const h = setup();
  const alice = await enrollTotp(h);
  const grant = await grantFor(h, alice, ACTION);
  h.clock.advance(after);
  const decision = await decide(h.mfa, presenting(alice, grant, 'POST', '/api/payees'), { ...ONCE, maxAge: 3600 });
  expect(decision.allow).toBe(passes);
  if (!decision.allow) expect(decision.response.body).toMatchObject({ code: 'mfa_grant_invalid' });
});

test("a route's shorter maxAge cuts a grant short: mfa_stale with max_age=0", async () => {
  const h = setup();
  const alice = await enrollTotp(h);
  const grant = await grantFor(h, alice, ACTION);
  h.clock.advanceSeconds(61);
  const decision = await decide(h.mfa, presenting(alice, grant, 'POST', '/api/payees'), { ...ONCE, maxAge: 60 });
  expect(decision).toMatchObject({ allow: false, response: { body: { code: 'mfa_stale' } } });
  if (!decision.allow) expect(decision.response.headers['WWW-Authenticate']).toMatch(/max_age=0$/);
});

test('revoking the user (a lost device) voids the grants made before, not those made after', async () => {
  const h = setup();
  const alice = await enrollTotp(h);
  const before = await grantFor(h, alice, ACTION);
  h.clock.advanceSeconds(1);
  await h.mfa.admin.revokeUser(alice.user.id, { by: 'test' });
  expect(await decide(h.mfa, presenting(alice, before, 'POST', '/api/payees'), ONCE)).toMatchObject({ allow: false, response: { body: { code: 'mfa_grant_invalid' } } });

  const again = await enrollTotp(h);
  h.clock.advanceSeconds(30);
  const after = unwrap(await h.mfa.grant({ user: again.user }, { code: totpCode(again.secret, h.clock) }, ACTION)).grant;
  expect((await decide(h.mfa, presenting(again, after, 'POST', '/api/payees'), ONCE)).allow).toBe(true);
});
