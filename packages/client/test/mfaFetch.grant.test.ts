/**
 * Threat: a proof made for one sensitive action reused for another: a grant spent twice, sent with
 * another body, or a long-lived session standing in where the route wants a proof for this very
 * request (`max_age=0`). Against the demo's `once` route `POST /api/payees` (requireFreshMfa with
 * `once: { bindBody: true }`): the client names the action and the SHA-256 digest of the exact
 * body bytes, sends the grant with that request only, and asks again for the next one.
 */
import { createHash } from 'node:crypto';
import type { MfaFetch, MfaFetchOptions, StartAuthentication } from '@mfakit/client';
import { headersOf, useDemo, useEnrolled, usePasskey } from './lib/demo';
import { bodyOf, recordingFetch, recordingSession, scriptedPrompt } from './lib/recording';

const demo = useDemo();
const alice = useEnrolled(demo, 'alice');
const key = usePasskey(demo, alice);

/** RFC 9530's sha-256 member of these bytes, computed apart from the client. */
const digestOf = (text: string) => `sha-256=:${createHash('sha256').update(text, 'utf8').digest('base64')}:`;
const GRANT = /^mfg_[A-Za-z0-9_-]{43}$/;

const clientOf = (prompt: MfaFetchOptions['prompt'], extra: Partial<MfaFetchOptions> = {}) => demo.clientOf(alice, prompt, extra);
const addPayee = (mfaFetch: MfaFetch, body: string, path = '/api/payees') => mfaFetch(demo.origin + path, { method: 'POST', headers: headersOf(alice), body });
const payee = (name: string) => JSON.stringify({ name, account: 'DE89370400440532013000' });
const code = () => ({ code: demo.nextCode(alice) });

test('prompted for this request alone, a grant made for POST /api/payees and the digest of its body, sent once with X-MFA-Grant; no session kept', async () => {
  const { prompt, calls } = scriptedPrompt(code);
  const { fetch, sent } = recordingFetch();
  const session = recordingSession();
  const body = payee('Bob');
  const res = await addPayee(clientOf(prompt, { fetch, session }), body);
  expect(res.ok).toBe(true);
  expect(calls).toHaveLength(1);
  expect(calls[0]!.challenge).toMatchObject({ once: true, maxAge: 0, request: { method: 'POST', url: `${demo.origin}/api/payees` } });

  const verify = sent.find((s) => s.url.endsWith('/mfa/verify'))!;
  expect(JSON.parse(verify.body!)).toEqual({ code: expect.any(String), action: { method: 'POST', path: '/api/payees', digest: digestOf(body) } });
  const retry = sent.at(-1)!;
  expect(retry.url).toBe(`${demo.origin}/api/payees`);
  expect(retry.headers.get('x-mfa-grant')).toMatch(GRANT);
  expect(retry.body).toBe(body);
  expect(sent[0]!.headers.get('x-mfa-grant')).toBeNull();
  expect(session.history).toEqual([]);
});

test('the grant is spent on its request: the next request to the route asks again', async () => {
  const { prompt, calls } = scriptedPrompt(code, code);
  const mfaFetch = clientOf(prompt);
  expect((await addPayee(mfaFetch, payee('Carol'))).ok).toBe(true);
  expect((await addPayee(mfaFetch, payee('Carol'))).ok).toBe(true);
  expect(calls).toHaveLength(2);
  expect(calls.map((call) => call.challenge.once)).toEqual([true, true]);
});

test('a session held does not stand in for the proof; it still rides along', async () => {
  const { prompt, calls } = scriptedPrompt(code, code);
  const { fetch, sent } = recordingFetch();
  const mfaFetch = clientOf(prompt, { fetch });
  expect((await mfaFetch(`${demo.origin}/api/profile`, { headers: headersOf(alice) })).status).toBe(200);
  const token = sent.at(-1)!.headers.get('x-session-token');

  expect((await addPayee(mfaFetch, payee('Dan'))).ok).toBe(true);
  expect(calls).toHaveLength(2);
  expect(calls[1]!.challenge.once).toBe(true);
  expect(sent.at(-1)!.headers.get('x-session-token')).toBe(token);
});

test('the action names the query too, and the digest is of the UTF-8 bytes', async () => {
  const { prompt } = scriptedPrompt(code);
  const { fetch, sent } = recordingFetch();
  const body = payee('Zoë Ørsted 💶');
  const res = await addPayee(clientOf(prompt, { fetch }), body, '/api/payees?source=client');
  expect(res.ok).toBe(true);
  const verify = sent.find((s) => s.url.endsWith('/mfa/verify'))!;
  expect(JSON.parse(verify.body!).action).toEqual({ method: 'POST', path: '/api/payees?source=client', digest: digestOf(body) });
});

test('a passkey makes the grant too: the action goes with the assertion', async () => {
  const { prompt } = scriptedPrompt({ passkey: true });
  const { fetch, sent } = recordingFetch();
  const startAuthentication: StartAuthentication = async ({ optionsJSON }) => key.authenticate(optionsJSON);
  const body = payee('Erin');
  const res = await addPayee(clientOf(prompt, { fetch, startAuthentication }), body);
  expect(res.ok).toBe(true);
  const assertion = sent.find((s) => s.url.endsWith('/mfa/webauthn/authentication'))!;
  expect(JSON.parse(assertion.body!)).toEqual({ response: expect.any(Object), action: { method: 'POST', path: '/api/payees', digest: digestOf(body) } });
});

test('a retry whose body was changed on the way is refused (mfa_grant_invalid), and that answer comes back as is', async () => {
  const { prompt, calls } = scriptedPrompt(code);
  // A transport that swaps the body of the request carrying the grant, as a tampering proxy would.
  const swapping: MfaFetch = (input, init) => {
    const grant = new Headers(init?.headers).get('x-mfa-grant');
    return fetch(input, grant ? { ...init, body: payee('Mallory') } : init);
  };
  const res = await addPayee(clientOf(prompt, { fetch: swapping }), payee('Frank'));
  expect(res.status).toBe(401);
  expect((await bodyOf(res)).code).toBe('mfa_grant_invalid');
  expect(calls).toHaveLength(1);
});
