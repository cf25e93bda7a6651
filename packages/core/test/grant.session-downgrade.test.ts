// Threat: a route that wants a proof made for one action is passed with less: an ordinary (even fresh) MFA session, a grant whose proof is of a weaker method than the route demands, or a grant that quietly becomes a session.
import { decide, totpCode } from '@mfakit/testing';
import { grantFor, ONCE, presenting } from './grantHelpers';
import { enrollTotp, setup, unwrap } from './helpers';

test('a session made a second ago does not pass a once route: 401 with max_age=0', async () => {
  const h = setup();
  const alice = await enrollTotp(h);
  const decision = await decide(h.mfa, { user: alice.user, sessionToken: alice.sessionToken, target: { method: 'POST', path: '/api/payees' } }, ONCE);
  expect(decision).toMatchObject({ allow: false, response: { status: 401, body: { code: 'mfa_stale' } } });
  if (!decision.allow) expect(decision.response.headers['WWW-Authenticate']).toMatch(/^Bearer error="insufficient_user_authentication".*max_age=0$/);
  expect(await decide(h.mfa, { user: alice.user }, ONCE)).toMatchObject({ allow: false, response: { body: { code: 'mfa_required' } } });
});

test('an inline code passes a once route for that request alone: no session is issued, and the next request is asked again', async () => {
  const h = setup();
  const alice = await enrollTotp(h);
  h.clock.advanceSeconds(30);
  const inline = await decide(h.mfa, { user: alice.user, inlineCode: totpCode(alice.secret, h.clock) }, ONCE);
  expect(inline).toMatchObject({ allow: true, state: { amr: ['otp'] } });
  if (inline.allow) expect(inline.headers['X-Session-Token']).toBeUndefined();
  expect((await decide(h.mfa, { user: alice.user }, ONCE)).allow).toBe(false);
});

test('a grant never opens, extends or replaces the MFA session', async () => {
  const h = setup();
  const alice = await enrollTotp(h);
  h.clock.advanceSeconds(400);
  const granted = unwrap(await h.mfa.grant({ user: alice.user, sessionToken: alice.sessionToken }, { code: totpCode(alice.secret, h.clock) }, { method: 'POST', path: '/x' }));
  expect(granted).not.toHaveProperty('sessionToken');
  // The session still carries the old proof: a maxAge route still finds it stale.
  expect(await decide(h.mfa, { user: alice.user, sessionToken: alice.sessionToken }, { maxAge: 300 })).toMatchObject({ allow: false, response: { body: { code: 'mfa_stale' } } });
  expect((await h.mfa.status({ user: alice.user, sessionToken: alice.sessionToken })).session?.authTime).toBeLessThan(granted.authTime);
});

test('a grant from an app code does not pass a route that demands a security key: mfa_method_required with phrh and max_age=0', async () => {
  const h = setup();
  const alice = await enrollTotp(h);
  const grant = await grantFor(h, alice, { method: 'POST', path: '/api/payees' });
  const decision = await decide(h.mfa, presenting(alice, grant, 'POST', '/api/payees'), { ...ONCE, methods: ['hwk'] });
  expect(decision).toMatchObject({ allow: false, response: { body: { code: 'mfa_method_required' } } });
  if (!decision.allow) expect(decision.response.headers['WWW-Authenticate']).toMatch(/acr_values="phrh".*max_age=0|max_age=0.*acr_values="phrh"/);
});

test('on an ordinary route a grant for that very request is accepted as the route allows, and spent', async () => {
  const h = setup();
  const alice = await enrollTotp(h);
  const grant = await grantFor(h, alice, { method: 'GET', path: '/api/profile' });
  const request = presenting(alice, grant, 'GET', '/api/profile');
  expect(await decide(h.mfa, request, { maxAge: 300 })).toMatchObject({ allow: true, state: { amr: ['otp'] } });
  expect((await decide(h.mfa, request)).allow).toBe(false);
  const forKey = await grantFor(h, alice, { method: 'GET', path: '/api/profile' });
  expect(await decide(h.mfa, presenting(alice, forKey, 'GET', '/api/profile'), { methods: ['hwk'] })).toMatchObject({
    allow: false,
    response: { body: { code: 'mfa_method_required' } },
  });
});

test('an exempt user passes a once route without a proof, as on every route', async () => {
  const h = setup({ exempt: (user) => user.id === 'svc' });
  expect((await decide(h.mfa, { user: { id: 'svc' } }, ONCE)).allow).toBe(true);
});
