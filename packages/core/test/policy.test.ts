// The policy's decisions, one at a time: who must use MFA (everyone, roles, a predicate), the
// route that demands MFA of everyone, the enrollment grace period, trust in an upstream SSO's MFA,
// and the risk hook. Each test names the user's situation and what the check decides.
import { MfaError, type MfaPolicy, type MfaUser, UPSTREAM_FACTOR_ID } from '@mfakit/core';
import { ENROLLMENT_DEADLINE_HEADER } from '@mfakit/core/http';
import { totpCode, decide } from '@mfakit/testing';
import { enrollTotp, setup, unwrap } from './helpers';

const withPolicy = (policy: MfaPolicy) => setup({ policy });
const check = (h: ReturnType<typeof setup>, user: MfaUser, extra: { sessionToken?: string; ip?: string; userAgent?: string } = {}, requirement = {}) => decide(h.mfa, { user, ...extra }, requirement);

describe('who must use MFA', () => {
  test('by default everyone: a user without a factor must enroll', async () => {
    const decision = await check(setup(), { id: 'alice' });
    expect(decision.allow).toBe(false);
    expect(!decision.allow && decision.response.status).toBe(403);
  });

  test('by role: a user without the role and without a factor passes; one with it must enroll', async () => {
    const h = withPolicy({ required: { roles: ['admin', 'finance'] } });
    expect((await check(h, { id: 'bob', roles: ['staff'] })).allow).toBe(true);
    expect((await check(h, { id: 'bob' })).allow).toBe(true);
    expect((await check(h, { id: 'carol', roles: ['staff', 'finance'] })).allow).toBe(false);
  });

  test('by predicate, which may be async', async () => {
    const h = withPolicy({ required: async (user) => user.id.startsWith('ops-') });
    expect((await check(h, { id: 'dev-1' })).allow).toBe(true);
    expect((await check(h, { id: 'ops-1' })).allow).toBe(false);
  });

  test('a user who is not required but enrolled anyway must use the factor: an opt-in cannot be bypassed', async () => {
    const h = withPolicy({ required: { roles: ['admin'] } });
    const alice = await enrollTotp(h);
    const decision = await check(h, alice.user);
    expect(!decision.allow && decision.response.status).toBe(401);
    expect((await check(h, alice.user, { sessionToken: alice.sessionToken })).allow).toBe(true);
  });

  test('a route with `always` demands MFA of users the policy does not require', async () => {
    const h = withPolicy({ required: { roles: ['admin'] } });
    expect((await check(h, { id: 'bob' }, {}, { always: true })).allow).toBe(false);
    expect((await check(h, { id: 'bob' }, {}, {})).allow).toBe(true);
  });

  test('a bad policy stops createMfa', () => {
    for (const policy of [{ required: 'some' }, { required: { roles: [1] } }, { trustedAmr: ['MFA!'] }, { enrollmentDeadline: 'soon' }, { risk: 'yes' }]) {
      expect(() => setup({ policy: policy as MfaPolicy })).toThrow(MfaError);
    }
  });
});

describe('enrollment grace period', () => {
  test('before the deadline a required user without a factor passes, told when it ends; after it, must enroll', async () => {
    const deadline = Date.now() + 7 * 86_400_000;
    const graced = withPolicy({ enrollmentDeadline: new Date(deadline) });
    graced.clock.set(deadline - 86_400_000);
    const before = await check(graced, { id: 'alice' });
    expect(before.allow).toBe(true);
    expect(before.allow && before.headers[ENROLLMENT_DEADLINE_HEADER]).toBe(new Date(deadline).toUTCString());
    expect((await graced.mfa.status({ user: { id: 'alice' } })).enrollBy).toBe(deadline);

    graced.clock.set(deadline);
    const after = await check(graced, { id: 'alice' });
    expect(!after.allow && after.response.status).toBe(403);
  });

  test('a per-user deadline (e.g. a week after the account was made); null means none', async () => {
    const h = withPolicy({ enrollmentDeadline: (user) => (user.id === 'new' ? Date.now() + 86_400_000 * 365 * 100 : null) });
    expect((await check(h, { id: 'new' })).allow).toBe(true);
    expect((await check(h, { id: 'old' })).allow).toBe(false);
  });

  test('the grace period is for enrolling only: a user with a factor must use it', async () => {
    const h = withPolicy({ enrollmentDeadline: Date.now() + 86_400_000 * 365 * 100 });
    const alice = await enrollTotp(h);
    expect((await check(h, alice.user)).allow).toBe(false);
  });
});

describe('trust in an upstream SSO', () => {
  const sso = (authTimeMs: number, amr = ['pwd', 'mfa']): MfaUser => ({ id: 'alice', amr, authTime: Math.floor(authTimeMs / 1000) });

  test('a primary credential with a trusted amr counts as a proof made at its auth_time', async () => {
    const h = withPolicy({ trustedAmr: ['mfa', 'hwk'] });
    const decision = await check(h, sso(h.clock.now()));
    expect(decision.allow).toBe(true);
    // Only the trusted values become proved methods: 'pwd' is not one.
    expect(decision.allow && decision.state).toMatchObject({ amr: ['mfa'], factorId: UPSTREAM_FACTOR_ID, exempt: false });
  });

  test('judged by step-up windows like any other proof: an old SSO login is stale for a fresh-proof route', async () => {
    const h = withPolicy({ trustedAmr: ['mfa'] });
    const user = sso(h.clock.now());
    h.clock.advanceSeconds(600);
    expect((await check(h, user, {}, { maxAge: 900 })).allow).toBe(true);
    const stale = await check(h, user, {}, { maxAge: 300 });
    expect(!stale.allow && stale.response.body).toMatchObject({ code: 'mfa_stale' });
    expect(!stale.allow && stale.response.headers['WWW-Authenticate']).toContain('max_age=300');
  });

  test('not trusted: an amr without a trusted value, no auth_time, or no trustedAmr configured', async () => {
    const h = withPolicy({ trustedAmr: ['mfa'] });
    expect((await check(h, sso(h.clock.now(), ['pwd']))).allow).toBe(false);
    expect((await check(h, { id: 'alice', amr: ['mfa'] })).allow).toBe(false);
    expect((await check(setup(), sso(Date.now()))).allow).toBe(false);
  });

  test('a route demanding a hardware key is not met by an SSO that reported only mfa', async () => {
    const h = withPolicy({ trustedAmr: ['mfa'] });
    const decision = await check(h, sso(h.clock.now()), {}, { methods: ['hwk'] });
    expect(!decision.allow && decision.response.body).toMatchObject({ code: 'mfa_method_required' });
  });
});

describe('the risk hook', () => {
  test('sees the last proof and the request, and a true answer demands a fresh proof (max_age=0)', async () => {
    const seen: unknown[] = [];
    const h = withPolicy({
      risk: ({ ip, last }) => {
        seen.push({ ip, last });
        return last !== null && last.ip !== ip;
      },
    });
    const user = { id: 'alice' };
    const started = unwrap(await h.mfa.startEnrollment({ user }, 'totp'));
    const confirmed = unwrap(await h.mfa.confirmEnrollment({ user, ip: '10.0.0.1', userAgent: 'Firefox' }, 'totp', started.factorId, totpCode(started.secret, h.clock)));
    const sessionToken = confirmed.session.sessionToken;

    expect((await check(h, user, { sessionToken, ip: '10.0.0.1' })).allow).toBe(true);
    const moved = await check(h, user, { sessionToken, ip: '203.0.113.9' });
    expect(!moved.allow && moved.response.body).toMatchObject({ code: 'mfa_stale' });
    expect(!moved.allow && moved.response.headers['WWW-Authenticate']).toContain('max_age=0');
    expect(seen[0]).toEqual({ ip: '10.0.0.1', last: { at: h.clock.now(), ip: '10.0.0.1', userAgent: 'Firefox' } });

    // a new proof from the new network is recorded, and the hook is satisfied
    h.clock.advanceSeconds(30);
    const again = unwrap(await h.mfa.verify({ user, ip: '203.0.113.9', sessionToken }, { code: totpCode(started.secret, h.clock) }));
    expect((await check(h, user, { sessionToken: again.sessionToken, ip: '203.0.113.9' })).allow).toBe(true);
  });

  test('a hook that throws demands a fresh proof (fail closed), and the failure is logged', async () => {
    const h = withPolicy({
      risk: () => {
        throw new Error('geo service down');
      },
    });
    const alice = await enrollTotp(h);
    const decision = await check(h, alice.user, { sessionToken: alice.sessionToken });
    expect(!decision.allow && decision.response.body).toMatchObject({ code: 'mfa_stale' });
    expect(h.logs.join('\n')).toContain('geo service down');
  });
});

test('an upstream proof lasts as long as an MFA session would (12 hours by default)', async () => {
  const h = withPolicy({ trustedAmr: ['mfa'] });
  const user: MfaUser = { id: 'alice', amr: ['mfa'], authTime: Math.floor(h.clock.now() / 1000) };
  h.clock.advanceSeconds(12 * 3600 - 1);
  expect((await decide(h.mfa, { user })).allow).toBe(true);
  h.clock.advanceSeconds(1);
  expect((await decide(h.mfa, { user })).allow).toBe(false);
});
