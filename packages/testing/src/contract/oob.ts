/**
 * Threat: a code sent by email or SMS that leaks (into a response, a log line, another user's
 * outbox), works twice, or can be re-sent without end to flood a mailbox or run up an SMS bill.
 * The demos send codes through `createMfa({ oob })` to an in-memory outbox (`GET /api/outbox`,
 * their stand-in for the user's mailbox or phone) and tell the user what changed (`GET
 * /api/notifications`).
 */
import type { DemoFactory } from './types';
import { bearer, expectProblem, login, useDemo } from './lib/harness';

interface Message {
  channel: 'email' | 'sms';
  to: string;
  code: string;
  purpose: 'enrollment' | 'verification';
  at: number;
}

export function describeOob(makeDemo: DemoFactory): void {
  describe('codes by email and SMS', () => {
    const demo = useDemo(makeDemo);
    let accessToken = '';
    let factorId = '';
    let sessionToken = '';
    let spent = '';
    const get = (path: string) => bearer(demo.http.get(path), accessToken);
    const post = (path: string) => bearer(demo.http.post(path), accessToken);
    /** The newest message in alice's outbox. */
    const lastMessage = async (): Promise<Message> => {
      const res = await get('/api/outbox');
      expect(res.status).toBe(200);
      expect(res.headers['cache-control']).toBe('no-store');
      return res.body.messages[0] as Message;
    };

    beforeAll(async () => {
      accessToken = await login(demo, 'alice');
    });

    test('the outbox starts empty', async () => {
      expect((await get('/api/outbox')).body).toEqual({ messages: [] });
    });

    test('POST /mfa/email sends a code: 201 with the address masked, and neither the code nor the address in the answer', async () => {
      const res = await post('/mfa/email').send({ email: 'alice@Example.COM' });
      expect(res.status).toBe(201);
      expect(res.headers['cache-control']).toBe('no-store');
      expect(res.body).toEqual({ factorId: expect.stringMatching(/^fac_/), channel: 'email', hint: 'a***@example.com', expiresAt: demo.clock.now() + 10 * 60_000 });
      factorId = res.body.factorId;
      const message = await lastMessage();
      expect(message).toEqual({ channel: 'email', to: 'alice@example.com', code: expect.stringMatching(/^\d{6}$/), purpose: 'enrollment', at: demo.clock.now() });
      expect(JSON.stringify(res.body)).not.toContain(message.code);
    });

    test('the demo logs one line per code sent, with the address masked and never the code', async () => {
      const { code } = await lastMessage();
      expect(demo.infos).toContain('outbox: email to a***@example.com for alice');
      for (const line of [...demo.infos, ...demo.warnings]) {
        expect(line).not.toContain(code);
        expect(line).not.toContain('alice@example.com');
      }
    });

    test("another user's outbox does not show alice's codes", async () => {
      const res = await bearer(demo.http.get('/api/outbox'), await login(demo, 'bob'));
      expect(res.body).toEqual({ messages: [] });
    });

    test('the code from the outbox confirms the address: 200 with an MFA session and ten recovery codes', async () => {
      const { code } = await lastMessage();
      const res = await post(`/mfa/email/${factorId}/confirm`).send({ code });
      expect(res.status).toBe(200);
      expect(res.body.factor).toEqual({ id: factorId, kind: 'oob', label: 'Codes by email', createdAt: expect.any(Number), channel: 'email', hint: 'a***@example.com' });
      expect(res.body.session).toMatchObject({ sessionToken: expect.stringMatching(/^mfa_/), amr: ['email'], authTime: demo.clock.now() });
      expect(res.body.recoveryCodes).toHaveLength(10);
      sessionToken = res.body.session.sessionToken;
      expect((await get('/api/profile').set('X-Session-Token', sessionToken)).body.mfa).toMatchObject({ userId: 'alice', amr: ['email'], factorId });
    });

    test('alice is told: GET /api/notifications lists factor.added and her new recovery codes, and the log says so in one line each', async () => {
      const res = await get('/api/notifications');
      expect(res.status).toBe(200);
      expect(res.headers['cache-control']).toBe('no-store');
      expect(res.body).toEqual({
        notices: [
          { type: 'recovery.regenerated', userId: 'alice', at: demo.clock.now(), count: 10 },
          { type: 'factor.added', userId: 'alice', at: demo.clock.now(), kind: 'oob', channel: 'email' },
        ],
      });
      expect(demo.infos).toContain('notice for alice: factor.added (email)');
      expect(demo.infos).toContain('notice for alice: recovery.regenerated (10 codes)');
    });

    test('POST /mfa/challenge sends a new code (202); POST /mfa/verify with it opens a session', async () => {
      demo.clock.advanceSeconds(60);
      const sent = await post('/mfa/challenge').send({ factorId });
      expect(sent.status).toBe(202);
      expect(sent.body).toEqual({ factorId, channel: 'email', hint: 'a***@example.com', expiresAt: demo.clock.now() + 10 * 60_000 });
      const message = await lastMessage();
      expect(message).toMatchObject({ channel: 'email', purpose: 'verification', at: demo.clock.now() });
      const res = await post('/mfa/verify').send({ factorId, code: message.code });
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({ sessionToken: expect.stringMatching(/^mfa_/), amr: ['email'], authTime: demo.clock.now(), factorId });
      sessionToken = res.body.sessionToken;
      spent = message.code;
    });

    test('the same code again is refused: 401 mfa_invalid_code', async () => {
      expectProblem(await post('/mfa/verify').send({ factorId, code: spent }), 401, 'mfa_invalid_code');
    });

    test('at most three codes per factor in ten minutes: the next is 429 rate_limited with Retry-After', async () => {
      // One for the enrollment, one for the challenge above, one more now; then no more.
      expect((await post('/mfa/challenge').send({ factorId })).status).toBe(202);
      const before = (await get('/api/outbox')).body.messages.length;
      const res = await post('/mfa/challenge').send({ factorId });
      expectProblem(res, 429, 'rate_limited');
      expect(res.headers['retry-after']).toMatch(/^\d+$/);
      expect((await get('/api/outbox')).body.messages).toHaveLength(before);
    });

    test('a challenge for a factor that is not an email or SMS factor of alice is 404 factor_not_found', async () => {
      expectProblem(await post('/mfa/challenge').send({ factorId: 'fac_doesnotexist' }), 404, 'factor_not_found');
    });

    test('SMS with a phone number that is not E.164 is 400 invalid_request, and nothing is sent', async () => {
      const before = (await get('/api/outbox')).body.messages.length;
      for (const phone of ['12345', '0044 20 7946 0958', '+1-555-CALL-NOW', '']) {
        expectProblem(await post('/mfa/sms').set('X-Session-Token', sessionToken).send({ phone }), 400, 'invalid_request');
      }
      expectProblem(await post('/mfa/sms').set('X-Session-Token', sessionToken).send({ phone: 14155550123 }), 400, 'invalid_request');
      expect((await get('/api/outbox')).body.messages).toHaveLength(before);
    });

    test('SMS to a valid number, as a second factor, needs the fresh session; the code goes to the outbox', async () => {
      expectProblem(await post('/mfa/sms').send({ phone: '+1 415 555 0123' }), 401, 'mfa_required');
      const res = await post('/mfa/sms').set('X-Session-Token', sessionToken).send({ phone: '+1 415 555 0123' });
      expect(res.status).toBe(201);
      expect(res.body).toMatchObject({ channel: 'sms', hint: '+*******0123' });
      expect(await lastMessage()).toMatchObject({ channel: 'sms', to: '+14155550123', purpose: 'enrollment' });
      expect(demo.infos).toContain('outbox: sms to +*******0123 for alice');
    });
  });
}
