// mfa.check and the adapters' guard: enrollment required, step-up judged on the time of the last proof, and `methods`.
import { requirementOf } from '@mfakit/core/http';
import { totpCode, wrongCode, decide } from '@mfakit/testing';
import { enrollTotp, setup, unwrap } from './helpers';

test('a user without a factor -> 403 mfa_enrollment_required; no user -> authentication_required', async () => {
  const h = setup();
  expect(await decide(h.mfa, { user: { id: 'carol' } })).toMatchObject({ allow: false, response: { status: 403, body: { code: 'mfa_enrollment_required' } } });
  expect(await decide(h.mfa, { user: null })).toMatchObject({ allow: false, response: { status: 401, body: { code: 'authentication_required' } } });
});

test('an exempt user passes without MFA', async () => {
  const h = setup({ exempt: (user) => user.id.startsWith('svc-') });
  expect(await decide(h.mfa, { user: { id: 'svc-backup' } })).toMatchObject({ allow: true, state: { exempt: true } });
});

test('no session -> 401 mfa_required with the RFC 9470 challenge', async () => {
  const h = setup();
  const alice = await enrollTotp(h);
  const decision = await decide(h.mfa, { user: alice.user });
  expect(decision).toMatchObject({ allow: false, response: { status: 401, body: { code: 'mfa_required', status: 401 } } });
  if (decision.allow) return;
  expect(decision.response.headers['WWW-Authenticate']).toMatch(/^Bearer error="insufficient_user_authentication"/);
  expect(decision.response.headers['Content-Type']).toBe('application/problem+json; charset=utf-8');
});

test('freshness is judged on the last proof, not on the last use of the session', async () => {
  const h = setup();
  const alice = await enrollTotp(h);
  const req = { user: alice.user, sessionToken: alice.sessionToken };
  h.clock.advanceSeconds(250);
  expect((await decide(h.mfa, req, { maxAge: 300 })).allow).toBe(true); // touches the session
  h.clock.advanceSeconds(51);
  expect(await decide(h.mfa, req, { maxAge: 300 })).toMatchObject({ allow: false, response: { body: { code: 'mfa_stale' } } });
  expect((await decide(h.mfa, req)).allow).toBe(true); // still fine without a step-up requirement
});

test("a new proof resets freshness but keeps the session's methods", async () => {
  const h = setup();
  const alice = await enrollTotp(h);
  h.clock.advanceSeconds(600);
  const again = unwrap(await h.mfa.verify({ user: alice.user, sessionToken: alice.sessionToken }, { code: totpCode(alice.secret, h.clock) }));
  expect(again.authTime).toBe(h.clock.now());
  const decision = await decide(h.mfa, { user: alice.user, sessionToken: again.sessionToken }, { maxAge: 300 });
  expect(decision).toMatchObject({ allow: true, state: { userId: 'alice', amr: ['otp'], authTime: h.clock.now(), exempt: false } });
});

test('methods: a session passes when it proved one of them', async () => {
  const h = setup();
  const alice = await enrollTotp(h);
  const req = { user: alice.user, sessionToken: alice.sessionToken };
  expect((await decide(h.mfa, req, { methods: ['otp'] })).allow).toBe(true);
  expect((await decide(h.mfa, req, { methods: ['hwk', 'otp'] })).allow).toBe(true);
  expect(await decide(h.mfa, req, { methods: ['hwk'] })).toMatchObject({ allow: false, response: { body: { code: 'mfa_method_required' } } });
});

test('a wrong inline code -> mfa_invalid_code and no session', async () => {
  const h = setup();
  const alice = await enrollTotp(h);
  const decision = await decide(h.mfa, { user: alice.user, inlineCode: wrongCode(alice.secret, h.clock) });
  expect(decision).toMatchObject({ allow: false, response: { status: 401, body: { code: 'mfa_invalid_code' } } });
  if (!decision.allow) expect(decision.response.headers['X-Session-Token']).toBeUndefined();
});

test('requirementOf validates a route requirement once', () => {
  expect(requirementOf({ maxAge: '5m', methods: ['hwk'] })).toEqual({ maxAge: 300, methods: ['hwk'] });
  expect(requirementOf({ maxAge: 300 })).toEqual({ maxAge: 300 });
  expect(() => requirementOf({ methods: [] })).toThrow(expect.objectContaining({ code: 'invalid_option' }));
  expect(() => requirementOf({ methods: ['HWK!'] })).toThrow(expect.objectContaining({ code: 'invalid_option' }));
  expect(() => requirementOf({ maxAge: 'soon' as never })).toThrow(expect.objectContaining({ code: 'invalid_option' }));
});

describe('guard of @mfakit/core/http, what the adapters call on every request', () => {
  test('answers at once on the memory store, with the same decision as check', async () => {
    const h = setup();
    const alice = await enrollTotp(h);
    const req = { user: alice.user, sessionToken: alice.sessionToken };
    const now = decide(h.mfa, req);
    expect(now).not.toBeInstanceOf(Promise);
    const checked = await h.mfa.check(req);
    expect(now).toEqual({ allow: true, state: checked.ok && checked.value, headers: {} });
    expect(await decide(h.mfa, { user: alice.user })).toMatchObject({ allow: false, response: { body: { code: 'mfa_required' } } }); // no session: the factors are read, later
  });

  test('a store or hook that throws at once still fails closed with 503, like one that rejects', async () => {
    const h = setup({
      exempt: () => {
        throw new Error('directory down');
      },
    });
    const alice = await enrollTotp(h);
    expect(decide(h.mfa, { user: alice.user, sessionToken: alice.sessionToken })).toMatchObject({ allow: false, response: { status: 503, body: { code: 'mfa_unavailable' } } });
    const rejecting = setup({ exempt: () => Promise.reject(new Error('directory down')) });
    const bob = await enrollTotp(rejecting, 'bob');
    const later = decide(rejecting.mfa, { user: bob.user, sessionToken: bob.sessionToken });
    expect(later).toBeInstanceOf(Promise);
    expect(await later).toMatchObject({ allow: false, response: { status: 503, body: { code: 'mfa_unavailable' } } });
  });
});

describe('mfa.check, for applications: a typed outcome with no HTTP in it', () => {
  test('a denial carries its challenge as data; a pass carries the state', async () => {
    const h = setup();
    const alice = await enrollTotp(h);
    const req = { user: alice.user, sessionToken: alice.sessionToken };
    h.clock.advanceSeconds(301);
    expect(await h.mfa.check(req, { maxAge: 300 })).toEqual({
      ok: false,
      problem: { code: 'mfa_stale', detail: 'This action needs a proof made in the last 300 seconds.', challenge: { maxAge: 300 } },
    });
    expect(await h.mfa.check(req, { methods: ['hwk'] })).toMatchObject({ ok: false, problem: { code: 'mfa_method_required', challenge: { acrValues: ['phrh'] } } });
    expect(await h.mfa.check({ user: alice.user })).toMatchObject({ ok: false, problem: { code: 'mfa_required', challenge: {} } });
    expect(await h.mfa.check(req)).toEqual({ ok: true, value: expect.objectContaining({ userId: 'alice', amr: ['otp'] }) });
  });

  test('an inline code that opened a session says so in issuedSession, on a pass and on a denial that still falls short', async () => {
    const h = setup();
    const alice = await enrollTotp(h);
    h.clock.advanceSeconds(30);
    const passed = await h.mfa.check({ user: alice.user, inlineCode: totpCode(alice.secret, h.clock) });
    expect(passed).toMatchObject({ ok: true, issuedSession: { sessionToken: expect.stringMatching(/^mfa_/), amr: ['otp'] } });
    expect(passed.ok && (await h.mfa.check({ user: alice.user, sessionToken: passed.issuedSession!.sessionToken })).ok).toBe(true);
    h.clock.advanceSeconds(30);
    const short = await h.mfa.check({ user: alice.user, inlineCode: totpCode(alice.secret, h.clock) }, { methods: ['hwk'] });
    expect(short).toMatchObject({ ok: false, problem: { code: 'mfa_method_required' }, issuedSession: { sessionToken: expect.stringMatching(/^mfa_/) } });
  });

  test('a store that fails is an mfa_unavailable denial, never a rejection or a pass', async () => {
    const h = setup({ exempt: () => Promise.reject(new Error('directory down')) });
    expect(await h.mfa.check({ user: { id: 'alice' } })).toEqual({ ok: false, problem: { code: 'mfa_unavailable', detail: 'Multi-factor authentication is unavailable; try again shortly.' } });
    expect(h.logs).toEqual([expect.stringMatching(/^error: check failed: .*directory down/)]);
  });
});
