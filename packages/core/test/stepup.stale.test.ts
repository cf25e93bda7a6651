// Threat: a long-lived MFA session, or one left open on a shared machine, is used for a sensitive action long after the last proof.
import { totpCode, decide } from '@mfakit/testing';
import { enrollTotp, setup, unwrap } from './helpers';

test('maxAge 300: a proof 301 s old -> 401 mfa_stale with max_age=300; 300 s still passes', async () => {
  const h = setup();
  const alice = await enrollTotp(h);
  const req = { user: alice.user, sessionToken: alice.sessionToken };
  h.clock.advanceSeconds(300);
  expect((await decide(h.mfa, req, { maxAge: 300 })).allow).toBe(true);
  h.clock.advanceSeconds(1);
  const decision = await decide(h.mfa, req, { maxAge: 300 });
  expect(decision).toMatchObject({ allow: false, response: { status: 401, body: { code: 'mfa_stale', status: 401 } } });
  if (decision.allow) return;
  expect(decision.response.headers['WWW-Authenticate']).toMatch(/^Bearer error="insufficient_user_authentication", .*max_age=300/);
});

test('a new proof makes it pass: verify, or an inline code on the request', async () => {
  const h = setup();
  const alice = await enrollTotp(h);
  h.clock.advanceSeconds(301);
  const verified = unwrap(await h.mfa.verify({ user: alice.user, sessionToken: alice.sessionToken }, { code: totpCode(alice.secret, h.clock) }));
  expect((await decide(h.mfa, { user: alice.user, sessionToken: verified.sessionToken }, { maxAge: 300 })).allow).toBe(true);

  h.clock.advanceSeconds(301);
  const inline = await decide(h.mfa, { user: alice.user, sessionToken: verified.sessionToken, inlineCode: totpCode(alice.secret, h.clock) }, { maxAge: 300 });
  expect(inline.allow).toBe(true);
});

test('using the session does not refresh the proof', async () => {
  const h = setup();
  const alice = await enrollTotp(h);
  const req = { user: alice.user, sessionToken: alice.sessionToken };
  for (let i = 0; i < 5; i += 1) {
    h.clock.advanceSeconds(100);
    await decide(h.mfa, req);
  }
  expect(await decide(h.mfa, req, { maxAge: 300 })).toMatchObject({ allow: false, response: { body: { code: 'mfa_stale' } } });
});

test('idle expiry and lifetime expiry end the session whatever the maxAge', async () => {
  const h = setup();
  const alice = await enrollTotp(h);
  h.clock.advanceSeconds(30 * 60);
  expect(await decide(h.mfa, { user: alice.user, sessionToken: alice.sessionToken }, { maxAge: 86_400 })).toMatchObject({
    allow: false,
    response: { body: { code: 'mfa_required' } },
  });

  const fresh = unwrap(await h.mfa.verify({ user: alice.user }, { code: totpCode(alice.secret, h.clock) }));
  for (let minutes = 0; minutes < 12 * 60; minutes += 15) {
    h.clock.advanceSeconds(15 * 60);
    await decide(h.mfa, { user: alice.user, sessionToken: fresh.sessionToken });
  }
  expect(await decide(h.mfa, { user: alice.user, sessionToken: fresh.sessionToken }, { maxAge: 86_400 })).toMatchObject({
    allow: false,
    response: { body: { code: 'mfa_required' } },
  });
});
