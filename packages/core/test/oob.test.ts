// Codes by email or SMS, end to end with a capturing sender. Threats: a code used twice (also by
// racing requests), a code guessed by asking for new ones (resends never reset the failure count,
// and are limited), a code for one factor accepted for another, the destination or a code leaking
// into stores, events or answers, and an email code standing in for an authenticator app.
import { present } from '@mfakit/core/http';
import { MfaError, type OobMessage } from '@mfakit/core';
import { totpCode, decide } from '@mfakit/testing';
import { codeOf, deepDump, enrollTotp, KEY_1, KEY_2, setup, unwrap } from './helpers';

function withOutbox(options: { maxSends?: number } = {}) {
  const outbox: OobMessage[] = [];
  const h = setup({ oob: { send: (message) => void outbox.push(message), ...options } });
  const lastCode = () => outbox.at(-1)!.code;
  return { h, outbox, lastCode };
}
const alice = { id: 'alice' };

async function enrollEmail(h: ReturnType<typeof setup>, lastCode: () => string) {
  const started = unwrap(await h.mfa.startOobEnrollment({ user: alice }, 'email', 'Alice@Example.COM'));
  return { started, confirmed: unwrap(await h.mfa.confirmOobEnrollment({ user: alice }, 'email', started.factorId, lastCode())) };
}

test('enrolling an email: a six-digit code goes to the address, its confirmation opens a session with amr email', async () => {
  const { h, outbox, lastCode } = withOutbox();
  const { started, confirmed } = await enrollEmail(h, lastCode);
  expect(outbox).toEqual([{ channel: 'email', to: 'Alice@example.com', code: expect.stringMatching(/^\d{6}$/), userId: 'alice', purpose: 'enrollment' }]);
  expect(started).toEqual({ factorId: started.factorId, channel: 'email', hint: 'A***@example.com', expiresAt: h.clock.now() + 600_000 });
  expect(confirmed.factor).toMatchObject({ kind: 'oob', channel: 'email', hint: 'A***@example.com', label: 'Codes by email' });
  expect(confirmed.session.amr).toEqual(['email']);
  expect(confirmed.recoveryCodes).toHaveLength(10);
});

test('enrolling a phone: E.164 numbers only, spaces and dashes allowed; amr sms', async () => {
  const { h, outbox, lastCode } = withOutbox();
  expect(codeOf(await h.mfa.startOobEnrollment({ user: alice }, 'sms', '0170 1234567'))).toBe('invalid_request');
  const started = unwrap(await h.mfa.startOobEnrollment({ user: alice }, 'sms', '+49 170 123-4567'));
  expect(outbox[0]!.to).toBe('+491701234567');
  expect(started.hint).toBe('+********4567');
  expect(unwrap(await h.mfa.confirmOobEnrollment({ user: alice }, 'sms', started.factorId, lastCode())).session.amr).toEqual(['sms']);
});

test.each([
  ['without an @', 'not-an-email'],
  ['without a domain', 'a@b'],
  ['with a space', 'a b@example.com'],
  ['of 262 characters', `${'x'.repeat(250)}@example.com`],
  ['that is a number', 42],
])('an address %s is refused before anything is sent', async (_case, address) => {
  const { h, outbox } = withOutbox();
  expect(codeOf(await h.mfa.startOobEnrollment({ user: alice }, 'email', address))).toBe('invalid_request');
  expect(outbox).toEqual([]);
});

test('verification: a challenge sends a new code, which verifies once with its factor id', async () => {
  const { h, outbox, lastCode } = withOutbox();
  const { started } = await enrollEmail(h, lastCode);
  const challenge = unwrap(await h.mfa.sendChallenge({ user: alice }, started.factorId));
  expect(challenge).toMatchObject({ factorId: started.factorId, channel: 'email', hint: 'A***@example.com' });
  expect(outbox.at(-1)).toMatchObject({ purpose: 'verification', to: 'Alice@example.com' });
  const code = lastCode();
  expect(unwrap(await h.mfa.verify({ user: alice }, { factorId: started.factorId, code })).amr).toEqual(['email']);
  expect(codeOf(await h.mfa.verify({ user: alice }, { factorId: started.factorId, code }))).toBe('mfa_invalid_code'); // used
});

test('of 20 racing requests with one code, exactly one succeeds', async () => {
  const { h, lastCode } = withOutbox();
  const { started } = await enrollEmail(h, lastCode);
  unwrap(await h.mfa.sendChallenge({ user: alice }, started.factorId));
  const code = lastCode();
  const results = await Promise.all(Array.from({ length: 20 }, () => h.mfa.verify({ user: alice }, { factorId: started.factorId, code })));
  expect(results.filter((r) => r.ok)).toHaveLength(1);
});

test('a code lapses after ten minutes, and a new send voids the previous code', async () => {
  const { h, lastCode } = withOutbox();
  const { started } = await enrollEmail(h, lastCode);
  unwrap(await h.mfa.sendChallenge({ user: alice }, started.factorId));
  const first = lastCode();
  unwrap(await h.mfa.sendChallenge({ user: alice }, started.factorId));
  const second = lastCode();
  if (first !== second) expect(codeOf(await h.mfa.verify({ user: alice }, { factorId: started.factorId, code: first }))).toBe('mfa_invalid_code');
  h.clock.advanceSeconds(600);
  expect(codeOf(await h.mfa.verify({ user: alice }, { factorId: started.factorId, code: second }))).toBe('mfa_invalid_code');
});

test('resends are limited per factor, and never reset the failure count', async () => {
  const { h, lastCode } = withOutbox({ maxSends: 3 });
  const { started } = await enrollEmail(h, lastCode); // one send
  h.clock.advanceSeconds(600); // a new send window
  const wrong = (code: string) => h.mfa.verify({ user: alice }, { factorId: started.factorId, code: code === '000000' ? '000001' : '000000' });

  unwrap(await h.mfa.sendChallenge({ user: alice }, started.factorId));
  expect(codeOf(await wrong(lastCode()))).toBe('mfa_invalid_code');
  unwrap(await h.mfa.sendChallenge({ user: alice }, started.factorId));
  expect(codeOf(await wrong(lastCode()))).toBe('mfa_invalid_code');
  unwrap(await h.mfa.sendChallenge({ user: alice }, started.factorId));
  expect(codeOf(await wrong(lastCode()))).toBe('mfa_locked'); // three failures across three sends: locked

  const fourth = await h.mfa.sendChallenge({ user: alice }, started.factorId);
  expect(codeOf(fourth)).toBe('rate_limited');
  expect(!fourth.ok && fourth.problem.retryAfter).toBe(600);
  expect(present(fourth, 202).headers['Retry-After']).toBe('600');
});

test("a factor id that is not the user's email or SMS factor gets no code", async () => {
  const { h, outbox, lastCode } = withOutbox();
  const { started } = await enrollEmail(h, lastCode);
  const sent = outbox.length;
  expect(codeOf(await h.mfa.sendChallenge({ user: { id: 'bob' } }, started.factorId))).toBe('factor_not_found');
  expect(codeOf(await h.mfa.sendChallenge({ user: alice }, 'fac_nope'))).toBe('factor_not_found');
  expect(outbox).toHaveLength(sent);
});

test("a code sent to one factor does not verify another, nor an authenticator app's code an email factor", async () => {
  const { h, lastCode } = withOutbox();
  const app = await enrollTotp(h);
  h.clock.advanceSeconds(30);
  const started = unwrap(await h.mfa.startOobEnrollment({ user: alice, sessionToken: app.sessionToken }, 'email', 'alice@example.com'));
  unwrap(await h.mfa.confirmOobEnrollment({ user: alice, sessionToken: app.sessionToken }, 'email', started.factorId, lastCode()));
  unwrap(await h.mfa.sendChallenge({ user: alice }, started.factorId));
  expect(codeOf(await h.mfa.verify({ user: alice }, { factorId: app.factorId, code: lastCode() }))).toBe('mfa_invalid_code');
  h.clock.advanceSeconds(30);
  expect(codeOf(await h.mfa.verify({ user: alice }, { factorId: started.factorId, code: totpCode(app.secret, h.clock) }))).toBe('mfa_invalid_code');
});

test('an email code does not meet a route that demands an authenticator app (no downgrade)', async () => {
  const { h, lastCode } = withOutbox();
  const { confirmed } = await enrollEmail(h, lastCode);
  const decision = await decide(h.mfa, { user: alice, sessionToken: confirmed.session.sessionToken }, { methods: ['otp'] });
  expect(!decision.allow && decision.response.body).toMatchObject({ code: 'mfa_method_required' });
});

test('neither the address nor a code is kept in plaintext, in events, or in answers', async () => {
  const { h, outbox, lastCode } = withOutbox();
  const { started, confirmed } = await enrollEmail(h, lastCode);
  unwrap(await h.mfa.sendChallenge({ user: alice }, started.factorId));
  const dump = deepDump(h.store) + JSON.stringify([h.events, confirmed, await h.mfa.status({ user: alice })]);
  for (const text of ['Alice@example.com', 'alice@example.com', ...outbox.map((m) => m.code)]) expect(dump).not.toContain(text);
});

test('without the oob option the flows answer not_found; a sender that is not a function stops createMfa', async () => {
  const h = setup();
  expect(codeOf(await h.mfa.startOobEnrollment({ user: alice }, 'email', 'a@example.com'))).toBe('not_found');
  expect(codeOf(await h.mfa.sendChallenge({ user: alice }, 'fac_x'))).toBe('not_found');
  expect(() => setup({ oob: { send: 'smtp://' as never } })).toThrow(MfaError);
});

test('key rotation re-encrypts addresses too: codes still reach the user under the new key alone', async () => {
  const { h, lastCode } = withOutbox();
  const { started } = await enrollEmail(h, lastCode);
  const outbox: OobMessage[] = [];
  const send = (message: OobMessage) => void outbox.push(message);
  const both = setup({ stores: { factors: h.store, state: h.store }, encryptionKeys: [KEY_2, KEY_1], oob: { send } }, h.clock);
  expect(await both.mfa.admin.rotateKeys()).toEqual({ rotated: 1, current: 0, total: 1, keyId: 'k2' });
  const newOnly = setup({ stores: { factors: h.store, state: h.store }, encryptionKeys: [KEY_2], oob: { send } }, h.clock);
  unwrap(await newOnly.mfa.sendChallenge({ user: alice }, started.factorId));
  expect(outbox.at(-1)).toMatchObject({ to: 'Alice@example.com', purpose: 'verification' });
});
