/**
 * Threat: a passkey path that is weaker or more brittle than the code path: an assertion the
 * server did not ask for, a dismissed dialog that ends the step-up instead of offering a code.
 * The prompt answers `{ passkey: true }`; a SoftAuthenticator of @mfakit/testing stands in for
 * @simplewebauthn/browser's startAuthentication, signing the options the real demo issued.
 */
import type { MfaFetchOptions, StartAuthentication } from '@mfakit/client';
import { headersOf, useDemo, useEnrolled, usePasskey } from './lib/demo';
import { bodyOf, recordingFetch, scriptedPrompt } from './lib/recording';

const demo = useDemo();
const alice = useEnrolled(demo, 'alice');
const key = usePasskey(demo, alice);

/** startAuthentication as @simplewebauthn/browser's, played by the soft authenticator. */
const softStart: StartAuthentication = async ({ optionsJSON }) => key.authenticate(optionsJSON);
const clientOf = (prompt: MfaFetchOptions['prompt'], extra: Partial<MfaFetchOptions> = {}) => demo.clientOf(alice, prompt, { startAuthentication: softStart, ...extra });

test('{ passkey: true }: the options of /webauthn/authentication/options are signed and the assertion opens a session', async () => {
  const { prompt, calls } = scriptedPrompt({ passkey: true });
  const { fetch, sent } = recordingFetch();
  const res = await clientOf(prompt, { fetch })(`${demo.origin}/api/profile`, { headers: headersOf(alice) });
  expect(res.status).toBe(200);
  expect((await bodyOf(res)).mfa).toMatchObject({ userId: 'alice', amr: ['hwk'] });
  expect(calls).toHaveLength(1);
  expect(calls[0]!.context.factors?.map((factor) => factor.kind).sort()).toEqual(['totp', 'webauthn']);
  expect(sent.map((s) => `${s.method} ${new URL(s.url).pathname}`)).toEqual([
    'GET /api/profile',
    'GET /mfa/',
    'POST /mfa/webauthn/authentication/options',
    'POST /mfa/webauthn/authentication',
    'GET /api/profile',
  ]);
  expect(JSON.parse(sent[2]!.body!)).toEqual({});
  expect(JSON.parse(sent[3]!.body!)).toEqual({ response: expect.objectContaining({ id: key.credential.id, type: 'public-key' }) });
});

test('a dismissed passkey dialog prompts again with passkey_failed, and a code then works', async () => {
  const dismissed = new Error('NotAllowedError: The operation either timed out or was not allowed.');
  const { prompt, calls } = scriptedPrompt({ passkey: true }, () => ({ code: demo.nextCode(alice) }));
  const startAuthentication: StartAuthentication = () => Promise.reject(dismissed);
  const res = await clientOf(prompt, { startAuthentication })(`${demo.origin}/api/profile`, { headers: headersOf(alice) });
  expect(res.status).toBe(200);
  expect(calls[1]!.context).toMatchObject({ attempt: 2, error: { code: 'passkey_failed' } });
  expect(calls[1]!.context.error!.cause).toBe(dismissed);
});

test('an assertion the server refuses (a tampered signature) prompts again with webauthn_verification_failed', async () => {
  const { prompt, calls } = scriptedPrompt({ passkey: true }, { passkey: true });
  let tamper = true;
  const startAuthentication: StartAuthentication = async ({ optionsJSON }) => {
    const assertion = key.authenticate(optionsJSON, { tamperSignature: tamper });
    tamper = false;
    return assertion;
  };
  const res = await clientOf(prompt, { startAuthentication })(`${demo.origin}/api/profile`, { headers: headersOf(alice) });
  expect(res.status).toBe(200);
  expect(calls[1]!.context.error).toMatchObject({ code: 'webauthn_verification_failed', status: 401 });
});
