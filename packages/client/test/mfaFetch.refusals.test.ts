/**
 * Threat: a client that hammers a locked account (retrying on its own before Retry-After), that
 * sends a half-read body again as if it were whole, or that hides why a step-up failed. Refusals
 * of the real Express demo become MfaClientError with the problem's code, status and Retry-After,
 * and nothing is sent twice that cannot be.
 */
import { createMfaFetch, type MfaFetchOptions, MfaClientError } from '@mfakit/client';
import { FlakyStateStore, totpCode, wrongCode } from '@mfakit/testing';
import { headersOf, startDemo, useDemo, useEnrolled } from './lib/demo';
import { bodyOf, recordingFetch, scriptedPrompt } from './lib/recording';

const demo = useDemo();
const bob = useEnrolled(demo, 'bob');
const carol = useEnrolled(demo, 'carol');

const rejection = (promise: Promise<unknown>) =>
  promise.then(
    () => {
      throw new Error('resolved');
    },
    (err: unknown) => err as MfaClientError,
  );

test('three wrong codes lock the account: 429 mfa_locked with retryAfter, and no retry before it has passed', async () => {
  const wrong = () => ({ code: wrongCode(carol.secret, demo.clock) });
  const { prompt, calls } = scriptedPrompt(wrong, wrong, wrong);
  const { fetch, sent } = recordingFetch();
  const mfaFetch = demo.clientOf(carol, prompt, { fetch });

  const locked = await rejection(mfaFetch(`${demo.origin}/api/profile`, { headers: headersOf(carol) }));
  expect(locked).toBeInstanceOf(MfaClientError);
  expect(locked).toMatchObject({ code: 'mfa_locked', status: 429, problem: { code: 'mfa_locked', status: 429 } });
  expect(locked.retryAfter).toBeGreaterThan(0);
  expect(calls.map((call) => call.context.error?.code)).toEqual([undefined, 'mfa_invalid_code', 'mfa_invalid_code']);
  expect(sent.filter((s) => s.url.endsWith('/mfa/verify'))).toHaveLength(3);

  // The right code (of the next step, unused) meets the lock too: the client reports it and waits for nobody.
  const right = demo.clientOf(carol, scriptedPrompt(() => ({ code: totpCode(carol.secret, demo.clock, { offsetSteps: 1 }) })).prompt);
  const still = await rejection(right(`${demo.origin}/api/profile`, { headers: headersOf(carol) }));
  expect(still).toMatchObject({ code: 'mfa_locked', status: 429 });
  expect(still.retryAfter).toBeLessThanOrEqual(locked.retryAfter!);

  demo.clock.advanceSeconds(locked.retryAfter!);
  const after = demo.clientOf(carol, scriptedPrompt(() => ({ code: demo.nextCode(carol) })).prompt);
  expect((await after(`${demo.origin}/api/profile`, { headers: headersOf(carol) })).status).toBe(200);
});

test('maxAttempts bounds the prompts: after the last wrong code the request rejects with mfa_invalid_code', async () => {
  const wrong = () => ({ code: wrongCode(bob.secret, demo.clock) });
  const { prompt, calls } = scriptedPrompt(wrong, wrong);
  const err = await rejection(demo.clientOf(bob, prompt, { maxAttempts: 2 })(`${demo.origin}/api/profile`, { headers: headersOf(bob) }));
  expect(err).toMatchObject({ code: 'mfa_invalid_code', status: 401 });
  expect(calls).toHaveLength(2);
  // bob's two failures end with a success (the lock comes at three).
  expect((await demo.clientOf(bob, scriptedPrompt(() => ({ code: demo.nextCode(bob) })).prompt)(`${demo.origin}/api/profile`, { headers: headersOf(bob) })).status).toBe(200);
});

test('a store failing during the verification: 503 mfa_unavailable, as an MfaClientError', async () => {
  const state = { store: undefined as FlakyStateStore | undefined };
  const failing = await startDemo({ state: (memory) => (state.store = new FlakyStateStore(memory)) });
  try {
    const alice = await failing.enrollTotp('alice');
    const { prompt } = scriptedPrompt(() => {
      state.store!.failing.add('incrementUnless'); // the throttle's count of the attempt
      return { code: failing.nextCode(alice) };
    });
    const mfaFetch = failing.clientOf(alice, prompt);
    const err = await rejection(mfaFetch(`${failing.origin}/api/profile`, { headers: headersOf(alice) }));
    expect(err).toMatchObject({ code: 'mfa_unavailable', status: 503, problem: { code: 'mfa_unavailable' } });
  } finally {
    await failing.close();
  }
  expect(failing.errors).not.toEqual([]); // the demo logged the store's failure
});

test('a refusal of the API that is not a challenge (403 mfa_enrollment_required) comes back as is', async () => {
  const { prompt, calls } = scriptedPrompt();
  const accessToken = await demo.login('admin');
  const mfaFetch = createMfaFetch({ base: `${demo.origin}/mfa`, headers: { Authorization: `Bearer ${accessToken}` }, prompt });
  const res = await mfaFetch(`${demo.origin}/api/profile`, { headers: { Authorization: `Bearer ${accessToken}` } });
  expect(res.status).toBe(403);
  expect((await bodyOf(res)).code).toBe('mfa_enrollment_required');
  expect(calls).toHaveLength(0);
});

test('a challenged request with a stream body is not sent again: unreplayable_body, before any prompt', async () => {
  const { prompt, calls } = scriptedPrompt();
  const body = new Blob([JSON.stringify({ amount: 5, to: 'alice' })]).stream();
  const init = { method: 'POST', headers: headersOf(bob), body, duplex: 'half' } as RequestInit;
  const err = await rejection(demo.clientOf(bob, prompt)(`${demo.origin}/api/transfers`, init));
  expect(err).toMatchObject({ code: 'unreplayable_body', status: 401, problem: { code: 'mfa_required' } });
  expect(err.message).toContain('stream');
  expect(calls).toHaveLength(0);
});

test('the /mfa calls without the primary credential: authentication_required from /mfa, as an MfaClientError', async () => {
  const { prompt } = scriptedPrompt(() => ({ code: demo.nextCode(bob) }));
  const mfaFetch = createMfaFetch({ base: `${demo.origin}/mfa`, prompt });
  const err = await rejection(mfaFetch(`${demo.origin}/api/profile`, { headers: headersOf(bob) }));
  expect(err).toMatchObject({ code: 'authentication_required', status: 401 });
  expect(err.message).toContain('/mfa/verify');
});

test('a base that is not the mfakit routes: the 404 problem, as an MfaClientError', async () => {
  const { prompt } = scriptedPrompt(() => ({ code: demo.nextCode(bob) }));
  const err = await rejection(demo.clientOf(bob, prompt, { base: `${demo.origin}/elsewhere` })(`${demo.origin}/api/profile`, { headers: headersOf(bob) }));
  expect(err).toMatchObject({ code: 'not_found', status: 404 });
});

test('a prompt answering neither a code nor a passkey: invalid_answer', async () => {
  const { prompt } = scriptedPrompt({ pin: '1234' } as never);
  expect(await rejection(demo.clientOf(bob, prompt)(`${demo.origin}/api/profile`, { headers: headersOf(bob) }))).toMatchObject({ code: 'invalid_answer' });
});

test('{ passkey: true } without startAuthentication: passkey_unavailable', async () => {
  const { prompt } = scriptedPrompt({ passkey: true });
  expect(await rejection(demo.clientOf(bob, prompt)(`${demo.origin}/api/profile`, { headers: headersOf(bob) }))).toMatchObject({ code: 'passkey_unavailable' });
});

describe('options are checked at creation: MfaClientError invalid_option', () => {
  const prompt = () => null;
  test.each<[string, unknown]>([
    ['no prompt', {}],
    ['a relative base outside a browser', { prompt, base: '/mfa' }],
    ['a base that is not http(s)', { prompt, base: 'ftp://example.com/mfa' }],
    ['a base with a query', { prompt, base: 'http://localhost:3000/mfa?x=1' }],
    ['an origin that is not a URL', { prompt, base: 'http://localhost:3000/mfa', origins: ['localhost'] }],
    ['maxAttempts 0', { prompt, base: 'http://localhost:3000/mfa', maxAttempts: 0 }],
    ['maxAttempts 1.5', { prompt, base: 'http://localhost:3000/mfa', maxAttempts: 1.5 }],
    ['a session store without set', { prompt, base: 'http://localhost:3000/mfa', session: { get: () => null } }],
    ['startAuthentication not a function', { prompt, base: 'http://localhost:3000/mfa', startAuthentication: 'yes' }],
  ])('%s', (_, options) => {
    const attempt = () => createMfaFetch(options as MfaFetchOptions);
    expect(attempt).toThrow(MfaClientError);
    expect(attempt).toThrow(expect.objectContaining({ code: 'invalid_option' }));
  });

  test('the relative base error tells what to pass instead', () => {
    expect(() => createMfaFetch({ prompt, base: '/mfa' })).toThrow(/absolute URL outside a browser \(e\.g\. 'http:\/\/localhost:3000\/mfa'\)/);
  });

  test('a trailing slash on base is dropped', async () => {
    const { prompt: answer, calls } = scriptedPrompt(() => ({ code: demo.nextCode(bob) }));
    const { fetch, sent } = recordingFetch();
    const mfaFetch = createMfaFetch({ base: `${demo.origin}/mfa/`, headers: { Authorization: `Bearer ${bob.accessToken}` }, prompt: answer, fetch });
    expect((await mfaFetch(`${demo.origin}/api/profile`, { headers: headersOf(bob) })).status).toBe(200);
    expect(calls).toHaveLength(1);
    expect(sent.map((s) => new URL(s.url).pathname)).toContain('/mfa/verify');
  });
});
