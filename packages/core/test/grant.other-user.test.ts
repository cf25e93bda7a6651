// Threat: a user presents a step-up grant that another user made (stolen from a shared proxy log, or a client bug that mixes accounts) to pass a step-up as themself.
import { decide } from '@mfakit/testing';
import { grantFor, ONCE, presenting } from './grantHelpers';
import { enrollTotp, setup } from './helpers';

test("bob's request with alice's grant is refused, and alice's grant survives it", async () => {
  const h = setup();
  const alice = await enrollTotp(h, 'alice');
  const bob = await enrollTotp(h, 'bob');
  const grant = await grantFor(h, alice, { method: 'POST', path: '/api/payees' });

  expect(await decide(h.mfa, presenting(bob, grant, 'POST', '/api/payees'), ONCE)).toMatchObject({ allow: false, response: { body: { code: 'mfa_grant_invalid' } } });
  // Grants are kept under their user: bob could neither use nor spend it.
  expect(await decide(h.mfa, presenting(alice, grant, 'POST', '/api/payees'), ONCE)).toMatchObject({ allow: true, state: { userId: 'alice' } });
});

test('a grant does not stand in for a session of its user on another route, nor for another user there', async () => {
  const h = setup();
  const alice = await enrollTotp(h, 'alice');
  const bob = await enrollTotp(h, 'bob');
  const grant = await grantFor(h, alice, { method: 'GET', path: '/api/profile' });
  expect((await decide(h.mfa, presenting(bob, grant, 'GET', '/api/profile'))).allow).toBe(false);
});
