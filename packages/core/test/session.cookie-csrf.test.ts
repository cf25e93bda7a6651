// Threat: a cross-site HTML form, which the browser sends with the victim's mfa_session cookie, changes state under the victim's MFA session (cross-site request forgery).
import type { MfaRequest } from '@mfakit/core';
import { handleRoute, mfaRequestOf, type RequestHeaders } from '@mfakit/core/http';
import { codeOf, enrollTotp, setup } from './helpers';
import { decide } from '@mfakit/testing';

const REFUSED = 'The mfa_session cookie is not accepted on a request a cross-site form could send: send Content-Type: application/json or an X-Requested-With header, or the token in X-Session-Token.';
const TOKEN = 'mfa_0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJ';
const USER = { id: 'alice' };

/** The request an adapter builds from these headers, with the session in the cookie among others (typed with its user, as the core's account methods take it). */
const withCookie = (token: string, method: string | undefined, headers: RequestHeaders = {}): MfaRequest & { user: typeof USER } => ({
  ...mfaRequestOf(USER, { cookie: `theme=dark; mfa_session=${token}; lang=en`, ...headers }, '203.0.113.7', method),
  user: USER,
});

describe('mfaRequestOf: the cookie on a state-changing request', () => {
  test.each([
    ['a bodiless POST (what a form sends)', 'POST', {}],
    ['a text/plain POST', 'POST', { 'content-type': 'text/plain' }],
    ['a urlencoded form POST', 'POST', { 'content-type': 'application/x-www-form-urlencoded' }],
    ['a multipart form POST', 'POST', { 'content-type': 'multipart/form-data; boundary=x' }],
    ['a text/plain that mentions json', 'POST', { 'content-type': 'text/plain; x=application/json' }],
    ['a DELETE without JSON', 'DELETE', {}],
    ['a PUT with text/plain', 'PUT', { 'content-type': 'text/plain' }],
    ['a request of unknown method (conservative)', undefined, { 'content-type': 'text/plain' }],
    ['a JSON POST marked cross-site', 'POST', { 'content-type': 'application/json', 'sec-fetch-site': 'cross-site' }],
    ['an X-Requested-With POST marked cross-site', 'POST', { 'x-requested-with': 'XMLHttpRequest', 'sec-fetch-site': 'Cross-Site' }],
  ])('%s: not read, no session, cookieRefused', (_name, method, headers) => {
    const req = withCookie(TOKEN, method, headers);
    expect(req.sessionToken).toBeUndefined();
    expect(req.cookieRefused).toBe(true);
  });

  test.each([
    ['a JSON POST', 'POST', { 'content-type': 'application/json' }],
    ['a JSON POST with a charset, upper case', 'post', { 'content-type': 'Application/JSON; charset=utf-8' }],
    ['an application/*+json PATCH', 'PATCH', { 'content-type': 'application/merge-patch+json' }],
    ['an X-Requested-With DELETE', 'DELETE', { 'x-requested-with': 'XMLHttpRequest' }],
    ['a JSON POST, same-origin', 'POST', { 'content-type': 'application/json', 'sec-fetch-site': 'same-origin' }],
    ['a JSON POST, same-site', 'POST', { 'content-type': 'application/json', 'sec-fetch-site': 'same-site' }],
    ['a JSON POST, none (typed by the user)', 'POST', { 'content-type': 'application/json', 'sec-fetch-site': 'none' }],
    ['a JSON request of unknown method', undefined, { 'content-type': 'application/json' }],
  ])('%s: read', (_name, method, headers) => {
    const req = withCookie(TOKEN, method, headers);
    expect(req.sessionToken).toBe(TOKEN);
    expect(req.cookieRefused).toBeUndefined();
  });

  test.each(['GET', 'HEAD', 'OPTIONS', 'get'])('a %s is safe: the cookie is read without JSON', (method) => {
    expect(withCookie(TOKEN, method, { 'content-type': 'text/plain' })).toMatchObject({ sessionToken: TOKEN });
    expect(withCookie(TOKEN, method).cookieRefused).toBeUndefined();
  });

  test('X-Session-Token is never affected: read on a cross-site text/plain POST, cookie or not', () => {
    const headers = { 'x-session-token': TOKEN, 'content-type': 'text/plain', 'sec-fetch-site': 'cross-site' };
    for (const req of [mfaRequestOf(USER, headers, undefined, 'POST'), withCookie('mfa_other', 'POST', headers), mfaRequestOf(USER, headers, undefined)]) {
      expect(req.sessionToken).toBe(TOKEN);
      expect(req.cookieRefused).toBeUndefined();
    }
  });

  test('no cookie, or an over-long one, is no session and no refusal', () => {
    expect(mfaRequestOf(USER, { 'content-type': 'text/plain' }, undefined, 'POST').cookieRefused).toBeUndefined();
    expect(withCookie('A'.repeat(300), 'POST').cookieRefused).toBeUndefined();
  });
});

describe('mfa.check and the fresh-proof routes with the cookie', () => {
  test('a text/plain POST with the cookie: 401 mfa_required saying why, in the body and the challenge', async () => {
    const h = setup();
    const alice = await enrollTotp(h, 'alice');
    const decision = await decide(h.mfa, withCookie(alice.sessionToken, 'POST', { 'content-type': 'text/plain' }));
    expect(decision).toMatchObject({ allow: false, response: { status: 401, body: { code: 'mfa_required', detail: REFUSED } } });
    expect(decision.allow || decision.response.headers['WWW-Authenticate']).toContain(`error_description="${REFUSED}"`);
  });

  test('a JSON POST, an X-Requested-With POST and a GET with the cookie pass', async () => {
    const h = setup();
    const alice = await enrollTotp(h, 'alice');
    for (const req of [
      withCookie(alice.sessionToken, 'POST', { 'content-type': 'application/json' }),
      withCookie(alice.sessionToken, 'POST', { 'x-requested-with': 'XMLHttpRequest' }),
      withCookie(alice.sessionToken, 'GET'),
    ]) {
      expect(await decide(h.mfa, req)).toMatchObject({ allow: true, state: { userId: 'alice' } });
    }
  });

  test('a cross-site JSON POST with the cookie is refused, with the same detail', async () => {
    const h = setup();
    const alice = await enrollTotp(h, 'alice');
    const decision = await decide(h.mfa, withCookie(alice.sessionToken, 'POST', { 'content-type': 'application/json', 'sec-fetch-site': 'cross-site' }));
    expect(decision).toMatchObject({ allow: false, response: { status: 401, body: { code: 'mfa_required', detail: REFUSED } } });
  });

  test('the header token passes on a cross-site text/plain POST (it cannot come from a form)', async () => {
    const h = setup();
    const alice = await enrollTotp(h, 'alice');
    const req = mfaRequestOf(USER, { 'x-session-token': alice.sessionToken, 'content-type': 'text/plain', 'sec-fetch-site': 'cross-site' }, undefined, 'POST');
    expect((await decide(h.mfa, req)).allow).toBe(true);
  });

  test('a forged form neither regenerates the recovery codes nor starts an enrollment nor removes a factor', async () => {
    const h = setup();
    const alice = await enrollTotp(h, 'alice');
    const forged = (method: string) => withCookie(alice.sessionToken, method, { 'content-type': 'text/plain' });
    const regenerated = await h.mfa.regenerateRecoveryCodes(forged('POST'));
    expect(regenerated).toMatchObject({ ok: false, problem: { code: 'mfa_required', detail: REFUSED } });
    expect(codeOf(await h.mfa.startEnrollment(forged('POST'), 'totp'))).toBe('mfa_required');
    expect(codeOf(await h.mfa.removeFactor(forged('DELETE'), alice.factorId))).toBe('mfa_required');
    const answer = await handleRoute(h.mfa, 'regenerateRecoveryCodes', { ...forged('POST'), params: {}, body: undefined });
    expect(answer).toMatchObject({ status: 401, body: { code: 'mfa_required', detail: REFUSED } });
    // Nothing changed: the old codes still count, the factor is still there.
    expect((await h.mfa.status({ user: USER, sessionToken: alice.sessionToken })).recoveryCodesRemaining).toBe(10);
    expect(codeOf(await h.mfa.regenerateRecoveryCodes(withCookie(alice.sessionToken, 'POST', { 'content-type': 'application/json' })))).toBe('ok');
  });

  test('a user without a session, and no cookie at all, still hears the plain detail', async () => {
    const h = setup();
    await enrollTotp(h, 'alice');
    const decision = await decide(h.mfa, mfaRequestOf(USER, { 'content-type': 'text/plain' }, undefined, 'POST'));
    expect(decision).toMatchObject({ allow: false, response: { body: { code: 'mfa_required', detail: 'A second factor is required.' } } });
  });
});
