/**
 * Threat: the MFA admin routes, which can strip every factor off an account or exempt it from MFA,
 * being reachable by someone who is not an administrator, or by an administrator's stolen
 * password without a recent MFA proof of their own; an exemption outliving its expiry; a revoked
 * user's open sessions still working; malformed input turning into a 500 or acting on the wrong
 * user. Every framework's admin router runs this suite with identical expectations.
 */
import type { RequestListener, Server } from 'node:http';
import { createMfa, MemoryStore, type Mfa, type MfaEvent, type MfaOptions, type MfaUser } from '@mfakit/core';
import { ADMIN_ROUTES, type AdminOptions } from '@mfakit/core/http';
import type { WebAuthnFactorRecord } from '@mfakit/core/store';
import request, { type Response } from 'supertest';
import { describeAdminInputFuzz } from './adapterSuite/adminInputFuzz';
import { expectChallenge, expectProblem } from './assertions';
import { TEST_ENCRYPTION_KEYS, TEST_RECOVERY_CODE_COST } from './contract/lib/harness';
import { FakeClock } from './fakeClock';
import { hotpCode, totpCode, wrongCode } from './otp';

/** One app of a framework, as its factory hands it to the admin suite. */
export interface AdminApp {
  /** A request listener (Express's `app`, Koa's `app.callback()`) or a Node server (NestJS's `app.getHttpServer()`). */
  handler: RequestListener | Server;
  /** Frees what the factory started (e.g. a Nest application). */
  close?(): Promise<void>;
}

/**
 * Builds a tiny app of one framework around `mfa`, as an application would mount mfakit:
 *
 * - the primary authentication is a stand-in: `X-Test-User: <id>` is the user, and
 *   `X-Test-Roles: a,b` (when present) their roles; the adapters' `getUser` hands over
 *   `{ id, roles }`; no `X-Test-User` leaves the request anonymous;
 * - the admin router at `/mfa/admin` with `admin` as its options;
 * - the enrollment router at `/mfa`, with its defaults;
 * - `GET /protected` behind `requireMfa` with its defaults, answering 200 with JSON.
 */
export type AdminAppFactory = (mfa: Mfa, admin: AdminOptions) => AdminApp | Promise<AdminApp>;

const ADMIN = 'root';
const ADMIN_ROLES = 'admin,staff';
const MINUTE = 60_000;
const DAY = 24 * 60 * MINUTE;
const DEFAULT_MAX_AGE_SECONDS = 300; // the core's freshProofMaxAge default, '5m'

/** The suite's `authorize`: the `admin` role, as an application would check it. */
const isAdmin = (user: MfaUser) => user.roles?.includes('admin') ?? false;

interface Setup {
  /** createMfa options over the suite's (fake clock, test key, captured logs and events). */
  mfa?: Partial<MfaOptions>;
  /** Admin options over `{ authorize: isAdmin }`. */
  admin?: Partial<AdminOptions>;
}

interface Running {
  mfa: Mfa;
  /** The FactorStore the suite made for `mfa`, to read what HTTP does not show. */
  factors: MemoryStore;
  clock: FakeClock;
  events: MfaEvent[];
  /** Sends a request as this user (with these roles), or anonymously. */
  as(
    userId: string | null,
    roles?: string,
  ): {
    get(path: string): request.Test;
    put(path: string): request.Test;
    delete(path: string): request.Test;
    post(path: string): request.Test;
  };
}

interface Enrolled {
  factorId: string;
  secret: string;
  sessionToken: string;
}

/**
 * The admin routes (`ADMIN_ROUTES` of the HTTP contract) on one framework, end to end: who may
 * use them, the report, revoking a user, exemptions and their expiry, and malformed requests.
 * Each test builds its own app through `makeApp` on a FakeClock, and fails if the core logs an error.
 *
 * @param name What the outer describe is called, e.g. the framework.
 * @param makeApp Builds an app around a given core and admin options; see {@link AdminAppFactory}.
 * @example
 * // packages/express/test/admin.test.ts
 * describeAdminRoutes('express', (mfa, admin) => {
 *   const app = express();
 *   app.use(testAuth);
 *   app.use('/mfa/admin', mfaAdminRouter(mfa, { ...admin, getUser: (req) => req.user }));
 *   app.use('/mfa', mfaRouter(mfa, { getUser: (req) => req.user }));
 *   app.get('/protected', requireMfa(mfa, { getUser: (req) => req.user }), (_req, res) => res.json({ ok: true }));
 *   return { handler: app };
 * });
 */
export function describeAdminRoutes(name: string, makeApp: AdminAppFactory): void {
  describe(`MFA admin routes: ${name}`, () => {
    const started: AdminApp[] = [];
    let errors: string[] = [];

    afterEach(async () => {
      await Promise.all(started.splice(0).map((app) => app.close?.()));
      expect(errors).toEqual([]);
      errors = [];
    });

    async function start(setup: Setup = {}): Promise<Running> {
      const clock = new FakeClock();
      const events: MfaEvent[] = [];
      const factors = new MemoryStore({ clock });
      const mfa = createMfa({
        issuer: 'Acme',
        stores: { factors, state: factors },
        encryptionKeys: TEST_ENCRYPTION_KEYS,
        recoveryCodeCost: TEST_RECOVERY_CODE_COST,
        clock,
        logger: { warn: () => {}, error: (message) => errors.push(message) },
        onEvent: (event) => events.push(event),
        ...setup.mfa,
      });
      const app = await makeApp(mfa, { authorize: isAdmin, ...setup.admin });
      started.push(app);
      const as = (userId: string | null, roles?: string) => {
        const sign = (test: request.Test) => {
          if (userId !== null) test.set('X-Test-User', userId);
          if (roles !== undefined) test.set('X-Test-Roles', roles);
          return test;
        };
        const http = request(app.handler);
        return {
          get: (path: string) => sign(http.get(path)),
          put: (path: string) => sign(http.put(path)),
          delete: (path: string) => sign(http.delete(path)),
          post: (path: string) => sign(http.post(path)),
        };
      };
      return { mfa, factors, clock, events, as };
    }

    /** Enrolls a first TOTP factor through the core; its session is the user's MFA session. */
    async function enroll(t: Running, userId: string): Promise<Enrolled> {
      const started = await t.mfa.startEnrollment({ user: { id: userId } }, 'totp');
      if (!started.ok) throw new Error(`enrollment of ${userId}: ${started.problem.code}`);
      const { factorId, secret } = started.value;
      const confirmed = await t.mfa.confirmEnrollment({ user: { id: userId } }, 'totp', factorId, totpCode(secret, t.clock));
      if (!confirmed.ok) throw new Error(`confirmation of ${userId}: ${confirmed.problem.code}`);
      return { factorId, secret, sessionToken: confirmed.value.session.sessionToken };
    }

    /** The administrator, enrolled, with an MFA session made now. */
    async function signInAdmin(t: Running): Promise<(method: 'get' | 'put' | 'delete' | 'post', path: string) => request.Test> {
      const { sessionToken } = await enroll(t, ADMIN);
      return (method, path) => t.as(ADMIN, ADMIN_ROLES)[method](path).set('X-Session-Token', sessionToken);
    }

    const exemptionPath = (userId: string) => `/mfa/admin/users/${userId}/exemption`;
    const factorsPath = (userId: string) => `/mfa/admin/users/${userId}/factors`;
    const enablePath = (userId: string, factorId: string) => `/mfa/admin/users/${userId}/factors/${factorId}/enable`;
    const anyPath = (path: string) => path.replace(':userId', 'carol').replace(':factorId', 'fac_carols');
    /** A request to one admin route (about carol), with a valid body where the route takes one. */
    const send = (t: Running, route: (typeof ADMIN_ROUTES)[number], test: (method: 'get' | 'put' | 'delete' | 'post', path: string) => request.Test) => {
      const req = test(route.method.toLowerCase() as 'get' | 'put' | 'delete' | 'post', `/mfa/admin${anyPath(route.path)}`);
      return route.method === 'PUT' ? req.send(validExemption(t)) : req;
    };
    const validExemption = (t: Running) => ({ reason: 'Lost phone; new one arrives Monday', expiresAt: new Date(t.clock.now() + DAY).toISOString() });

    describe('who may use them', () => {
      test('without a signed-in user: 401 authentication_required on every route', async () => {
        const t = await start();
        for (const route of ADMIN_ROUTES) {
          const res = await send(t, route, (method, path) => t.as(null)[method](path));
          expectProblem(res, 401, 'authentication_required');
          expect(res.headers['www-authenticate']).toBe('Bearer');
        }
      });

      test('a signed-in user who is not an administrator: 403 forbidden, even with a fresh MFA session; nothing changes', async () => {
        const t = await start();
        const bob = await enroll(t, 'bob');
        for (const route of ADMIN_ROUTES) {
          const res = await send(t, route, (method, path) => t.as('bob', 'staff')[method](path).set('X-Session-Token', bob.sessionToken));
          expectProblem(res, 403, 'forbidden');
        }
        // Not even on himself.
        expectProblem(await t.as('bob', 'staff').delete(factorsPath('bob')).set('X-Session-Token', bob.sessionToken), 403, 'forbidden');
        expect(await t.factors.listFactors('bob')).toHaveLength(1);
        expect((await t.as('bob').get('/protected').set('X-Session-Token', bob.sessionToken)).status).toBe(200);
        expectProblem(await t.as('carol').get('/protected'), 403, 'mfa_enrollment_required');
      });

      test('an administrator without an MFA session: 401 mfa_required with the RFC 9470 challenge', async () => {
        const t = await start();
        await enroll(t, ADMIN);
        const bob = await enroll(t, 'bob');
        for (const route of ADMIN_ROUTES) {
          const res = await send(t, route, (method, path) => t.as(ADMIN, ADMIN_ROLES)[method](path));
          expectProblem(res, 401, 'mfa_required');
          expectChallenge(res);
        }
        // Another user's session is no session of the administrator.
        expectProblem(await t.as(ADMIN, ADMIN_ROLES).get('/mfa/admin/report').set('X-Session-Token', bob.sessionToken), 401, 'mfa_required');
      });

      test('an administrator without a factor: 403 mfa_enrollment_required', async () => {
        const t = await start();
        expectProblem(await t.as(ADMIN, ADMIN_ROLES).get('/mfa/admin/report'), 403, 'mfa_enrollment_required');
      });

      test("no exemption stands in for the administrator's own proof: neither the exempt option nor a granted one", async () => {
        const t = await start({ mfa: { exempt: (user) => user.id === ADMIN } });
        await enroll(t, ADMIN);
        await t.mfa.admin.grantExemption(ADMIN, { reason: 'travelling', expiresAt: t.clock.now() + DAY }, { by: 'someone-else' });
        expect((await t.as(ADMIN).get('/protected')).status).toBe(200); // exempt elsewhere
        const res = await t.as(ADMIN, ADMIN_ROLES).get('/mfa/admin/report');
        expectProblem(res, 401, 'mfa_required');
        expectChallenge(res);
      });

      test('an administrator whom the policy does not require, or inside the enrollment grace period, still needs a proof', async () => {
        const notRequired = await start({ mfa: { policy: { required: { roles: ['staff'] } } } });
        expectProblem(await notRequired.as(ADMIN, 'admin').get('/mfa/admin/report'), 403, 'mfa_enrollment_required');
        const inGrace = await start({ mfa: { policy: { enrollmentDeadline: Date.UTC(2030, 0, 1) } } });
        expectProblem(await inGrace.as(ADMIN, ADMIN_ROLES).get('/mfa/admin/report'), 403, 'mfa_enrollment_required');
      });

      test("the administrator's proof older than maxAge (default 5 minutes): 401 mfa_stale with max_age", async () => {
        const t = await start();
        const admin = await signInAdmin(t);
        t.clock.advance(DEFAULT_MAX_AGE_SECONDS * 1000);
        expect((await admin('get', '/mfa/admin/report')).status).toBe(200);
        t.clock.advance(1000);
        for (const route of ADMIN_ROUTES) {
          const res = await send(t, route, admin);
          expectProblem(res, 401, 'mfa_stale');
          expectChallenge(res, `max_age=${DEFAULT_MAX_AGE_SECONDS}`);
        }
        expect(await t.factors.getUser('carol')).toBeNull(); // no exemption was granted
      });

      test('the maxAge option sets the window', async () => {
        const t = await start({ admin: { maxAge: '1m' } });
        const admin = await signInAdmin(t);
        t.clock.advance(MINUTE);
        expect((await admin('get', '/mfa/admin/report')).status).toBe(200);
        t.clock.advance(1000);
        const res = await admin('get', '/mfa/admin/report');
        expectProblem(res, 401, 'mfa_stale');
        expectChallenge(res, 'max_age=60');
      });

      test('the enrollment router beside it still answers, and requireMfa still guards', async () => {
        const t = await start();
        const admin = await signInAdmin(t);
        expect((await admin('get', '/mfa')).body).toMatchObject({ userId: ADMIN, enrolled: true });
        expect((await admin('get', '/protected')).status).toBe(200);
        expect((await admin('get', '/mfa/admin/report')).status).toBe(200);
      });
    });

    describe('GET /mfa/admin/report', () => {
      test("the application's users from listUsers, and the users only the stores know, with the totals", async () => {
        const listUsers = async function* () {
          yield { id: ADMIN, roles: ['admin'] };
          yield { id: 'carol' };
          yield { id: 'dave', roles: ['admin'] };
        };
        const t = await start({ mfa: { policy: { required: { roles: ['admin'] } } }, admin: { listUsers: () => listUsers() } });
        const bobAt = t.clock.now();
        const bob = await enroll(t, 'bob'); // known to the stores only, and not required
        t.clock.advance(MINUTE);
        const verifiedAt = t.clock.now();
        expect((await t.mfa.verify({ user: { id: 'bob' } }, { code: totpCode(bob.secret, t.clock) })).ok).toBe(true);
        const rootAt = t.clock.now();
        const admin = await signInAdmin(t);
        const res = await admin('get', '/mfa/admin/report');
        expect(res.status).toBe(200);
        expect(res.headers['cache-control']).toBe('no-store');
        expect(res.headers['content-type']).toMatch(/^application\/json/);
        const [rootFactor] = await t.factors.listFactors(ADMIN);
        const row = (userId: string, fields: object) => ({ userId, required: false, enrolled: false, exempt: false, exemption: null, factors: [], lastVerifiedAt: null, ...fields });
        expect(res.body).toEqual({
          users: [
            row('bob', { enrolled: true, factors: [{ id: bob.factorId, kind: 'totp', label: 'Authenticator app', createdAt: bobAt }], lastVerifiedAt: verifiedAt }),
            row('carol', {}),
            row('dave', { required: true }),
            row(ADMIN, { required: true, enrolled: true, factors: [{ id: rootFactor!.id, kind: 'totp', label: 'Authenticator app', createdAt: rootAt }], lastVerifiedAt: expect.any(Number) }),
          ],
          totals: { users: 4, required: 2, enrolled: 2, exempt: 0, missing: 1 },
        });
      });

      test('without listUsers: the users the stores know; a granted exemption shows with its reason and expiry', async () => {
        const t = await start();
        await enroll(t, 'bob');
        const admin = await signInAdmin(t);
        const grant = validExemption(t);
        expect((await admin('put', exemptionPath('carol')).send(grant)).status).toBe(200);
        const res = await admin('get', '/mfa/admin/report').expect(200);
        expect(res.body.users.map((user: { userId: string }) => user.userId)).toEqual(['bob', 'carol', ADMIN]);
        expect(res.body.users[1]).toMatchObject({
          userId: 'carol',
          required: true,
          enrolled: false,
          exempt: true,
          exemption: { reason: grant.reason, expiresAt: Date.parse(grant.expiresAt), grantedBy: ADMIN, grantedAt: t.clock.now() },
        });
        expect(res.body.totals).toEqual({ users: 3, required: 3, enrolled: 2, exempt: 1, missing: 0 });
        expect(JSON.stringify(res.body)).not.toMatch(/secret|sessionToken/i);
      });
    });

    describe('DELETE /mfa/admin/users/:userId/factors', () => {
      test("removes every factor and ends the user's open sessions; sessions made later work", async () => {
        const t = await start();
        const bob = await enroll(t, 'bob');
        const hotp = await t.mfa.startEnrollment({ user: { id: 'bob' }, sessionToken: bob.sessionToken }, 'hotp');
        if (!hotp.ok) throw new Error(hotp.problem.code);
        const confirmed = await t.mfa.confirmEnrollment({ user: { id: 'bob' }, sessionToken: bob.sessionToken }, 'hotp', hotp.value.factorId, hotpCode(hotp.value.secret, 0));
        if (!confirmed.ok) throw new Error(confirmed.problem.code);
        const sessionToken = confirmed.value.session.sessionToken; // the confirmation's proof rotated bob's session
        expect((await t.as('bob').get('/protected').set('X-Session-Token', sessionToken)).status).toBe(200);

        const admin = await signInAdmin(t);
        const res = await admin('delete', factorsPath('bob'));
        expect(res.status).toBe(200);
        expect(res.headers['cache-control']).toBe('no-store');
        expect(res.body).toEqual({ factorsRemoved: 2 });
        expect(await t.factors.listFactors('bob')).toEqual([]);
        expect(t.events).toContainEqual(expect.objectContaining({ type: 'user.revoked', userId: 'bob', by: ADMIN, factorsRemoved: 2 }));

        // The session that worked a moment ago is void: bob has no factor now, so he must enroll.
        expectProblem(await t.as('bob').get('/protected').set('X-Session-Token', sessionToken), 403, 'mfa_enrollment_required');
        expect((await t.as('bob').get('/mfa').set('X-Session-Token', sessionToken)).body).toMatchObject({ enrolled: false, session: null });

        // Enrolling again after the revocation's millisecond gives a session that works.
        t.clock.advance(1);
        const again = await enroll(t, 'bob');
        expect((await t.as('bob').get('/protected').set('X-Session-Token', again.sessionToken)).status).toBe(200);
      });

      test('a user with nothing to remove: 200 {factorsRemoved: 0}', async () => {
        const t = await start();
        const admin = await signInAdmin(t);
        expect((await admin('delete', factorsPath('nobody')).expect(200)).body).toEqual({ factorsRemoved: 0 });
      });
    });

    describe('DELETE /mfa/admin/users/:userId/lock', () => {
      test('clears the locks and the failure streak: the right code works again at once; 204, audited', async () => {
        const t = await start();
        const bob = await enroll(t, 'bob');
        t.clock.advance(30_000);
        for (let i = 0; i < 3; i += 1) await t.mfa.verify({ user: { id: 'bob' } }, { code: wrongCode(bob.secret, t.clock) });
        expectProblem(await t.as('bob').get('/protected').set('X-MFA-Token', totpCode(bob.secret, t.clock)), 429, 'mfa_locked');

        const admin = await signInAdmin(t);
        const res = await admin('delete', '/mfa/admin/users/bob/lock');
        expect(res.status).toBe(204);
        expect(res.headers['cache-control']).toBe('no-store');
        expect((await t.as('bob').get('/protected').set('X-MFA-Token', totpCode(bob.secret, t.clock))).status).toBe(200);
        expect(t.events).toContainEqual(expect.objectContaining({ type: 'account.unlocked', userId: 'bob', by: ADMIN }));
      });
    });

    describe('PUT and DELETE /mfa/admin/users/:userId/exemption', () => {
      test('a grant with a reason and expiresAt: 200; the user then passes requireMfa without a factor', async () => {
        const t = await start();
        const admin = await signInAdmin(t);
        expectProblem(await t.as('carol').get('/protected'), 403, 'mfa_enrollment_required');
        const grant = validExemption(t);
        const res = await admin('put', exemptionPath('carol')).send(grant);
        expect(res.status).toBe(200);
        expect(res.headers['cache-control']).toBe('no-store');
        expect(res.body).toEqual({ userId: 'carol', exemption: { reason: grant.reason, expiresAt: Date.parse(grant.expiresAt), grantedBy: ADMIN, grantedAt: t.clock.now() } });
        expect(t.events).toContainEqual(expect.objectContaining({ type: 'exemption.granted', userId: 'carol', by: ADMIN, reason: grant.reason }));
        const passed = await t.as('carol').get('/protected');
        expect(passed.status).toBe(200);
        // expiresAt in milliseconds since the epoch works as well.
        expect((await admin('put', exemptionPath('dave')).send({ reason: 'service account', expiresAt: t.clock.now() + MINUTE })).status).toBe(200);
        expect((await t.as('dave').get('/protected')).status).toBe(200);
      });

      test('400 invalid_request without a reason or expiresAt, or with an expiry (or expiresIn) past, now, unreadable or over a year away; nothing is granted', async () => {
        const t = await start();
        const admin = await signInAdmin(t);
        const now = t.clock.now();
        const bodies: unknown[] = [
          {},
          { expiresAt: new Date(now + DAY).toISOString() },
          { reason: 'x' },
          { reason: '   ', expiresAt: now + DAY },
          { reason: 'r'.repeat(501), expiresAt: now + DAY },
          { reason: 'x', expiresAt: new Date(now - 1000).toISOString() },
          { reason: 'x', expiresAt: now },
          { reason: 'x', expiresAt: now + 367 * DAY },
          { reason: 'x', expiresAt: 'next tuesday' },
          { reason: 'x', expiresAt: null },
          { reason: 42, expiresAt: now + DAY },
          { reason: 'x', expiresIn: 'a day' },
          { reason: 'x', expiresIn: '400d' },
        ];
        for (const body of bodies) expectProblem(await admin('put', exemptionPath('carol')).send(body as object), 400, 'invalid_request');
        expect(await t.factors.getUser('carol')).toBeNull();
        expectProblem(await t.as('carol').get('/protected'), 403, 'mfa_enrollment_required');
      });

      test('the exemption expires by itself: blocked again after expiresAt', async () => {
        const t = await start();
        const admin = await signInAdmin(t);
        const expiresAt = t.clock.now() + 60 * MINUTE;
        expect((await admin('put', exemptionPath('carol')).send({ reason: 'onboarding', expiresAt })).status).toBe(200);
        t.clock.set(expiresAt - 1);
        expect((await t.as('carol').get('/protected')).status).toBe(200);
        t.clock.set(expiresAt);
        expectProblem(await t.as('carol').get('/protected'), 403, 'mfa_enrollment_required');
      });

      test('expiresIn grants for a duration from now', async () => {
        const t = await start();
        const admin = await signInAdmin(t);
        const res = await admin('put', exemptionPath('carol')).send({ reason: 'onboarding', expiresIn: '1h' });
        expect(res.status).toBe(200);
        expect(res.body).toMatchObject({ userId: 'carol', exemption: { reason: 'onboarding', expiresAt: t.clock.now() + 60 * MINUTE } });
      });

      test('DELETE lifts it: 204 and the user is blocked again; a second DELETE is 404 not_found', async () => {
        const t = await start();
        const admin = await signInAdmin(t);
        expect((await admin('put', exemptionPath('carol')).send(validExemption(t))).status).toBe(200);
        const lifted = await admin('delete', exemptionPath('carol'));
        expect(lifted.status).toBe(204);
        expect(lifted.text ?? '').toBe('');
        expect(lifted.headers['cache-control']).toBe('no-store');
        expect(t.events).toContainEqual(expect.objectContaining({ type: 'exemption.lifted', userId: 'carol', by: ADMIN }));
        expectProblem(await t.as('carol').get('/protected'), 403, 'mfa_enrollment_required');
        expectProblem(await admin('delete', exemptionPath('carol')), 404, 'not_found');
      });
    });

    describe('POST /mfa/admin/users/:userId/factors/:factorId/enable', () => {
      /** A passkey of the user, disabled as the core leaves one whose signature counter went backwards. */
      const disabledPasskey = (userId: string): WebAuthnFactorRecord => ({
        id: 'fac_passkey1',
        userId,
        kind: 'webauthn',
        label: 'Passkey',
        createdAt: 1_700_000_000_000,
        credentialId: 'cred-1',
        publicKey: 'pQECAyYgASFYIA',
        counter: 3,
        transports: ['usb'],
        deviceType: 'singleDevice',
        backedUp: false,
        aaguid: '00000000-0000-0000-0000-000000000000',
        disabled: true,
      });

      test('enables a disabled passkey again: 204, audited; the report shows it disabled before and enabled after', async () => {
        const t = await start();
        const passkey = disabledPasskey('bob');
        await t.factors.createFactor(passkey);
        const admin = await signInAdmin(t);
        const factorsOf = async (userId: string) => (await admin('get', '/mfa/admin/report').expect(200)).body.users.find((u: { userId: string }) => u.userId === userId).factors;
        expect(await factorsOf('bob')).toEqual([{ id: passkey.id, kind: 'webauthn', label: 'Passkey', createdAt: passkey.createdAt, disabled: true }]);
        const res = await admin('post', enablePath('bob', passkey.id));
        expect(res.status).toBe(204);
        expect(res.text ?? '').toBe('');
        expect(res.headers['cache-control']).toBe('no-store');
        expect(await t.factors.getFactor('bob', passkey.id)).not.toHaveProperty('disabled');
        expect(await factorsOf('bob')).toEqual([{ id: passkey.id, kind: 'webauthn', label: 'Passkey', createdAt: passkey.createdAt }]);
        expect(t.events.filter((e) => e.type === 'factor.enabled')).toEqual([
          expect.objectContaining({ type: 'factor.enabled', userId: 'bob', at: t.clock.now(), by: ADMIN, factorId: passkey.id, kind: 'webauthn' }),
        ]);
        // Again: nothing to do, still 204, no second event.
        expect((await admin('post', enablePath('bob', passkey.id))).status).toBe(204);
        expect(t.events.filter((e) => e.type === 'factor.enabled')).toHaveLength(1);
      });

      test("404 factor_not_found for an unknown factor or another user's; 400 for a malformed factor id; nothing changes", async () => {
        const t = await start();
        const passkey = disabledPasskey('bob');
        await t.factors.createFactor(passkey);
        const admin = await signInAdmin(t);
        expectProblem(await admin('post', enablePath('bob', 'fac_unknown')), 404, 'factor_not_found');
        expectProblem(await admin('post', enablePath('carol', passkey.id)), 404, 'factor_not_found');
        for (const malformed of ['f'.repeat(65), 'fac.1', 'fac%201']) expectProblem(await admin('post', enablePath('bob', malformed)), 400, 'invalid_request');
        expectProblem(await admin('post', enablePath('u'.repeat(257), passkey.id)), 400, 'invalid_request');
        expect(await t.factors.getFactor('bob', passkey.id)).toEqual(passkey);
      });
    });

    describe('malformed requests: 4xx problems, never a 500', () => {
      const expect4xx = (res: Response, status: number, code: string) => {
        expect(res.status).toBeLessThan(500);
        expectProblem(res, status, code);
      };

      test('a body that is not JSON, not an object, or too large', async () => {
        const t = await start();
        const admin = await signInAdmin(t);
        const put = () => admin('put', exemptionPath('carol'));
        const grant = validExemption(t);
        expect4xx(await put().set('Content-Type', 'application/json').send('{"reason": "x", '), 400, 'invalid_request');
        expect4xx(
          await put()
            .set('Content-Type', 'application/json')
            .send(JSON.stringify([grant])),
          400,
          'invalid_request',
        );
        expect4xx(await put().set('Content-Type', 'application/json').send('"a string"'), 400, 'invalid_request');
        expect4xx(await put().set('Content-Type', 'application/json').send('null'), 400, 'invalid_request');
        expect4xx(await put().set('Content-Type', 'text/plain').send(JSON.stringify(grant)), 400, 'invalid_request');
        expect4xx(await put().send({ ...grant, padding: 'x'.repeat(20_000) }), 413, 'payload_too_large');
        expect(await t.factors.getUser('carol')).toBeNull();
      });

      test('a user id over 256 characters, or not percent-decodable: 400; 256 characters are fine', async () => {
        const t = await start();
        const admin = await signInAdmin(t);
        const long = 'u'.repeat(257);
        expect4xx(await admin('delete', factorsPath(long)), 400, 'invalid_request');
        expect4xx(await admin('put', exemptionPath(long)).send(validExemption(t)), 400, 'invalid_request');
        expect4xx(await admin('delete', exemptionPath(long)), 400, 'invalid_request');
        expect4xx(await admin('delete', factorsPath('%E0%A4%A')), 400, 'invalid_request');
        expect4xx(await admin('put', exemptionPath('%E0%A4%A')).send(validExemption(t)), 400, 'invalid_request');
        expect((await admin('delete', factorsPath('u'.repeat(256)))).status).toBe(200);
        // A percent-encoded id is the decoded user's.
        expect((await admin('put', exemptionPath('carol%40example.com')).send(validExemption(t))).status).toBe(200);
        expect(await t.factors.getUser('carol@example.com')).toMatchObject({ exemption: { grantedBy: ADMIN } });
      });

      test('an unknown route or method under /mfa/admin: 404 not_found', async () => {
        const t = await start();
        const admin = await signInAdmin(t);
        expect4xx(await admin('get', '/mfa/admin/nope'), 404, 'not_found');
        expect4xx(await admin('post', '/mfa/admin/report'), 404, 'not_found');
        expect4xx(await admin('get', '/mfa/admin/users/carol/factors'), 404, 'not_found');
        expect4xx(await admin('get', '/mfa/admin'), 404, 'not_found');
      });
    });

    describeAdminInputFuzz(makeApp);
  });
}
