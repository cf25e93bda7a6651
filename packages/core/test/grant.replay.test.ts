// Threat: a step-up grant seen once (a log, a proxy, a browser's history of requests) is sent again to repeat the action it allowed.
import { decide } from '@mfakit/testing';
import { grantFor, ONCE, presenting } from './grantHelpers';
import { deepDump, enrollTotp, setup } from './helpers';

test('a grant passes once: the second request with it is 401 mfa_grant_invalid with max_age=0', async () => {
  const h = setup();
  const alice = await enrollTotp(h);
  const grant = await grantFor(h, alice, { method: 'POST', path: '/api/payees' });
  const request = presenting(alice, grant, 'POST', '/api/payees');

  expect(await decide(h.mfa, request, ONCE)).toMatchObject({ allow: true, state: { userId: 'alice', amr: ['otp'] } });
  const again = await decide(h.mfa, request, ONCE);
  expect(again).toMatchObject({ allow: false, response: { status: 401, body: { code: 'mfa_grant_invalid' } } });
  if (!again.allow) expect(again.response.headers['WWW-Authenticate']).toMatch(/max_age=0$/);
});

test('a grant refused for a mismatch is spent all the same: it cannot then be tried on the request it was made for', async () => {
  const h = setup();
  const alice = await enrollTotp(h);
  const grant = await grantFor(h, alice, { method: 'POST', path: '/api/payees' });
  expect((await decide(h.mfa, presenting(alice, grant, 'POST', '/api/transfers'), ONCE)).allow).toBe(false);
  expect(await decide(h.mfa, presenting(alice, grant, 'POST', '/api/payees'), ONCE)).toMatchObject({ allow: false, response: { body: { code: 'mfa_grant_invalid' } } });
});

test('the store keeps the hash of a grant, never the grant itself, and nothing of it once spent', async () => {
  const h = setup();
  const alice = await enrollTotp(h);
  const grant = await grantFor(h, alice, { method: 'POST', path: '/api/payees' });
  const dump = () => deepDump(h.store);
  expect(dump()).toContain('/api/payees');
  expect(dump()).not.toContain(grant.slice(4));
  await decide(h.mfa, presenting(alice, grant, 'POST', '/api/payees'), ONCE);
  expect(dump()).not.toContain('/api/payees');
});

test('a made-up or malformed grant is refused like a spent one', async () => {
  const h = setup();
  const alice = await enrollTotp(h);
  for (const grant of ['mfg_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA', 'not-a-grant', 'mfa_looks-like-a-session']) {
    expect(await decide(h.mfa, presenting(alice, grant, 'POST', '/api/payees'), ONCE)).toMatchObject({ allow: false, response: { body: { code: 'mfa_grant_invalid' } } });
  }
});
