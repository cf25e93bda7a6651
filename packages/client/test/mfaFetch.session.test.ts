/**
 * Threat: a client that answers step-up challenges badly: one that keeps sending a session the
 * server refused, prompts for every request, or sends the MFA session token to another origin's
 * API. createMfaFetch against the real Express demo: challenges answered with a session, the token
 * held and sent, dropped once expired, shared by concurrent requests, never sent elsewhere.
 */
import { type MfaFetch, MfaClientError, type MfaFetchOptions } from '@mfakit/client';
import { wrongCode } from '@mfakit/testing';
import { headersOf, useDemo, useEnrolled } from './lib/demo';
import { bodyOf, recordingFetch, recordingSession, scriptedPrompt } from './lib/recording';

const demo = useDemo();
const alice = useEnrolled(demo, 'alice');

const SESSION_LIFETIME_SECONDS = 12 * 3600; // the core's default session lifetime

const transfer = (mfaFetch: MfaFetch, amount: number) => mfaFetch(`${demo.origin}/api/transfers`, { method: 'POST', headers: headersOf(alice), body: JSON.stringify({ amount, to: 'bob' }) });
const profile = (mfaFetch: MfaFetch, url = `${demo.origin}/api/profile`) => mfaFetch(url, { headers: headersOf(alice) });
const clientOf = (prompt: MfaFetchOptions['prompt'], extra: Partial<MfaFetchOptions> = {}) => demo.clientOf(alice, prompt, extra);

test('GET /api/profile (requireMfa): one prompt, the request goes again with the new session, and the next request is not challenged', async () => {
  const { prompt, calls } = scriptedPrompt(() => ({ code: demo.nextCode(alice) }));
  const { fetch, sent } = recordingFetch();
  const mfaFetch = clientOf(prompt, { fetch });

  const res = await profile(mfaFetch);
  expect(res.status).toBe(200);
  expect((await bodyOf(res)).mfa).toMatchObject({ userId: 'alice', amr: ['otp'], factorId: alice.factorId });
  expect(calls).toHaveLength(1);
  expect(calls[0]!.challenge).toMatchObject({ once: false, request: { method: 'GET', url: `${demo.origin}/api/profile` }, problem: { status: 401, code: 'mfa_required' } });
  expect(calls[0]!.challenge.maxAge).toBeUndefined();
  expect(calls[0]!.context).toMatchObject({ attempt: 1, factors: [{ id: alice.factorId, kind: 'totp' }] });
  expect(calls[0]!.context.error).toBeUndefined();

  // The profile, the factors, the verification, the profile again: the session rides on the retry.
  expect(sent.map((s) => `${s.method} ${new URL(s.url).pathname}`)).toEqual(['GET /api/profile', 'GET /mfa/', 'POST /mfa/verify', 'GET /api/profile']);
  const verify = sent[2]!;
  expect(verify.headers.get('authorization')).toBe(`Bearer ${alice.accessToken}`);
  expect(verify.headers.get('content-type')).toBe('application/json');
  expect(JSON.parse(verify.body!)).toEqual({ code: expect.stringMatching(/^\d{6}$/) });
  const token = sent[3]!.headers.get('x-session-token');
  expect(token).toEqual(expect.any(String));
  expect(sent[0]!.headers.get('x-session-token')).toBeNull();

  const again = await profile(mfaFetch);
  expect(again.status).toBe(200);
  expect(calls).toHaveLength(1);
  expect(sent.at(-1)!.headers.get('x-session-token')).toBe(token);
});

test('POST /api/transfers (maxAge): prompted, the body sent again as it was; once the proof is older than max_age, asked again with mfa_stale', async () => {
  const { prompt, calls } = scriptedPrompt(
    () => ({ code: demo.nextCode(alice) }),
    () => ({ code: demo.nextCode(alice) }),
  );
  const mfaFetch = clientOf(prompt);

  const first = await transfer(mfaFetch, 12.5);
  expect(first.status).toBe(201);
  expect((await bodyOf(first)).transfer).toMatchObject({ from: 'alice', to: 'bob', amount: 12.5 });
  expect(calls).toHaveLength(1);
  expect(calls[0]!.challenge.problem?.code).toBe('mfa_required');

  expect((await transfer(mfaFetch, 1)).status).toBe(201);
  expect(calls).toHaveLength(1);

  demo.clock.advanceSeconds(301);
  const stale = await transfer(mfaFetch, 7);
  expect(stale.status).toBe(201);
  expect((await bodyOf(stale)).transfer?.amount).toBe(7);
  expect(calls).toHaveLength(2);
  expect(calls[1]!.challenge).toMatchObject({ once: false, maxAge: 300, problem: { code: 'mfa_stale' }, request: { method: 'POST', url: `${demo.origin}/api/transfers` } });
  expect(calls[1]!.challenge.description).toEqual(expect.any(String));
});

test('a wrong code, then the right one: prompted twice, the second time with the mfa_invalid_code error', async () => {
  const { prompt, calls } = scriptedPrompt(
    () => ({ code: wrongCode(alice.secret, demo.clock) }),
    () => ({ code: demo.nextCode(alice) }),
  );
  const res = await profile(clientOf(prompt));
  expect(res.status).toBe(200);
  expect(calls.map((call) => call.context.attempt)).toEqual([1, 2]);
  expect(calls[0]!.context.error).toBeUndefined();
  const { error } = calls[1]!.context;
  expect(error).toBeInstanceOf(MfaClientError);
  expect(error).toMatchObject({ code: 'mfa_invalid_code', status: 401, problem: { code: 'mfa_invalid_code' } });
  expect(error!.detail).toEqual(expect.any(String));
});

test('a cancelled prompt rejects with cancelled, carrying the refusal, and holds no session', async () => {
  const { prompt } = scriptedPrompt(null);
  const session = recordingSession();
  const err = await profile(clientOf(prompt, { session })).catch((e: unknown) => e);
  expect(err).toBeInstanceOf(MfaClientError);
  expect(err).toMatchObject({ code: 'cancelled', status: 401, problem: { code: 'mfa_required' } });
  expect(session.history).toEqual([]);
});

test('a recovery code opens a session; the same code is refused the next time', async () => {
  const [recoveryCode] = alice.recoveryCodes;
  const used = await profile(clientOf(scriptedPrompt({ recoveryCode: recoveryCode! }).prompt));
  expect(used.status).toBe(200);
  expect((await bodyOf(used)).mfa).toMatchObject({ factorId: 'recovery' });

  const err = await profile(clientOf(scriptedPrompt({ recoveryCode: recoveryCode! }).prompt, { maxAttempts: 1 })).catch((e: unknown) => e);
  expect(err).toMatchObject({ code: 'mfa_invalid_code', status: 401 });
  // A success clears the failure count the refused code left.
  expect((await profile(clientOf(scriptedPrompt(() => ({ code: demo.nextCode(alice) })).prompt))).status).toBe(200);
});

test('a session the server refuses as expired is dropped from the store, and a new one replaces it', async () => {
  const session = recordingSession();
  const { prompt, calls } = scriptedPrompt(
    () => ({ code: demo.nextCode(alice) }),
    () => ({ code: demo.nextCode(alice) }),
  );
  const mfaFetch = clientOf(prompt, { session });
  expect((await profile(mfaFetch)).status).toBe(200);
  const [first] = session.history;

  demo.clock.advanceSeconds(SESSION_LIFETIME_SECONDS + 1);
  const res = await profile(mfaFetch);
  expect(res.status).toBe(200);
  expect(calls).toHaveLength(2);
  expect(session.history).toEqual([first, null, expect.any(String)]);
  expect(session.history[2]).not.toBe(first);
});

test('requests challenged together share one prompt, and each goes again once', async () => {
  const { prompt, calls } = scriptedPrompt(() => ({ code: demo.nextCode(alice) }));
  const mfaFetch = clientOf(prompt);
  const answers = await Promise.all([profile(mfaFetch), profile(mfaFetch), transfer(mfaFetch, 3)]);
  expect(answers.map((res) => res.status)).toEqual([200, 200, 201]);
  expect(calls).toHaveLength(1);
});

test('a code sent by email: the prompt sends it through the context and answers { code, factorId }', async () => {
  // Enroll an email factor, with a fresh proof (alice has a factor already).
  const verified = await fetch(`${demo.origin}/mfa/verify`, { method: 'POST', headers: headersOf(alice), body: JSON.stringify({ code: demo.nextCode(alice) }) });
  const enrollHeaders = { ...headersOf(alice), 'X-Session-Token': (await bodyOf(verified)).sessionToken! };
  const started = await fetch(`${demo.origin}/mfa/email`, { method: 'POST', headers: enrollHeaders, body: JSON.stringify({ email: 'alice@example.com' }) });
  expect(started.status).toBe(201);
  const { factorId } = await bodyOf(started);
  const lastCode = async () => (await bodyOf(await fetch(`${demo.origin}/api/outbox`, { headers: headersOf(alice) }))).messages![0]!.code;
  const confirmed = await fetch(`${demo.origin}/mfa/email/${factorId}/confirm`, { method: 'POST', headers: enrollHeaders, body: JSON.stringify({ code: await lastCode() }) });
  expect(confirmed.status).toBe(200);

  const { prompt, calls } = scriptedPrompt(async ({ context }) => {
    const email = context.factors?.find((factor) => factor.kind === 'oob' && factor.channel === 'email');
    const sent = await context.sendCode(email!.id);
    expect(sent).toMatchObject({ factorId, channel: 'email', hint: expect.stringContaining('@example.com') });
    return { code: await lastCode(), factorId: email!.id };
  });
  const res = await profile(clientOf(prompt));
  expect(res.status).toBe(200);
  expect((await bodyOf(res)).mfa?.factorId).toBe(factorId);
  expect(calls).toHaveLength(1);
});

test('a Request with a body is sent again from a copy kept before the first send', async () => {
  const { prompt, calls } = scriptedPrompt(() => ({ code: demo.nextCode(alice) }));
  const request = new Request(`${demo.origin}/api/transfers`, { method: 'POST', headers: headersOf(alice), body: JSON.stringify({ amount: 4.25, to: 'carol' }) });
  const res = await clientOf(prompt)(request);
  expect(res.status).toBe(201);
  expect((await bodyOf(res)).transfer).toMatchObject({ to: 'carol', amount: 4.25 });
  expect(calls).toHaveLength(1);
});

test('a 401 without a step-up challenge (authentication_required) comes back as is, with no prompt', async () => {
  const { prompt, calls } = scriptedPrompt();
  const res = await clientOf(prompt)(`${demo.origin}/api/profile`);
  expect(res.status).toBe(401);
  expect(res.headers.get('www-authenticate')).toBe('Bearer');
  expect((await bodyOf(res)).code).toBe('authentication_required');
  expect(calls).toHaveLength(0);
});

test('a request to another origin goes out untouched: no session token, no prompt, its challenge returned as is', async () => {
  const other = await demo.alsoListen();
  const { prompt, calls } = scriptedPrompt(() => ({ code: demo.nextCode(alice) }));
  const mfaFetch = clientOf(prompt);
  expect((await profile(mfaFetch)).status).toBe(200);

  // The same API on a second origin would accept alice's session: refused, it was not sent.
  const elsewhere = await profile(mfaFetch, `${other}/api/profile`);
  expect(elsewhere.status).toBe(401);
  expect((await bodyOf(elsewhere)).code).toBe('mfa_required');
  expect(calls).toHaveLength(1);

  // Named in origins, it is answered like the first.
  const both = clientOf(scriptedPrompt(() => ({ code: demo.nextCode(alice) })).prompt, { origins: [demo.origin, other] });
  expect((await profile(both, `${other}/api/profile`)).status).toBe(200);
});

test("without a fetch option it calls the global fetch on the global object, as a browser's window.fetch demands", async () => {
  const real = globalThis.fetch;
  // A browser's fetch throws "Illegal invocation" when called on anything but the window.
  globalThis.fetch = function (this: unknown, ...args: Parameters<typeof fetch>) {
    if (this !== globalThis && this !== undefined) throw new TypeError("Failed to execute 'fetch' on 'Window': Illegal invocation");
    return real(...args);
  } as typeof fetch;
  try {
    const res = await profile(clientOf(() => ({ code: demo.nextCode(alice) })));
    expect(res.status).toBe(200);
  } finally {
    globalThis.fetch = real;
  }
});
