// Threat: an adapter that leaves the client's address unread to spare the common request its cost
// (`guardRequest` reads it through the adapter's reader only when the check needs it) must not hide
// it from what does need it: the risk hook, the record and the events of a proof made on the
// request (an inline code), and a step-up grant's request. A hook or an audit trail that saw no
// address would weigh every request as coming from nowhere.
import type { MfaEvent } from '@mfakit/core';
import { type Decision, guardRequest, mfaRequestOf, type RequestHeaders, type RequestReader, readMfaRequest } from '@mfakit/core/http';
import { totpCode } from '@mfakit/testing';
import { digestOf, grantFor, ONCE_BODY } from './grantHelpers';
import { enrollTotp, setup } from './helpers';

interface FakeRequest {
  headers: RequestHeaders;
  ip: string;
  method: string;
  url: string;
  body?: string;
}

/** A reader that counts how often the address was read, as an adapter's would read `req.ip`. */
function countingReader(): RequestReader<FakeRequest> & { ipReads: number } {
  const reader = {
    ipReads: 0,
    headers: (req: FakeRequest) => req.headers,
    ip: (req: FakeRequest) => {
      reader.ipReads++;
      return req.ip;
    },
    method: (req: FakeRequest) => req.method,
    path: (req: FakeRequest) => req.url,
    rawBody: (req: FakeRequest) => req.body,
  };
  return reader;
}

const decided = (decision: Decision) => decision;
const ADDRESS = '203.0.113.7';
const AGENT = 'Firefox/140';

test('a session check without a risk hook leaves the address and the User-Agent unread, and still passes', async () => {
  const h = setup();
  const alice = await enrollTotp(h);
  const reader = countingReader();
  const req: FakeRequest = { headers: { 'x-session-token': alice.sessionToken, 'user-agent': AGENT }, ip: ADDRESS, method: 'GET', url: '/api' };
  const decision = await guardRequest(h.mfa, reader, req, alice.user, {}, decided, undefined);
  expect(decision.allow).toBe(true);
  expect(reader.ipReads).toBe(0);
  expect(readMfaRequest(reader, req, alice.user, false)).toMatchObject({ sessionToken: alice.sessionToken, ip: undefined, userAgent: undefined });
});

test('with a risk hook, the hook sees the address and the User-Agent on every check', async () => {
  const seen: { ip?: string; userAgent?: string }[] = [];
  const h = setup({
    policy: {
      risk: ({ ip, userAgent }) => {
        seen.push({ ip, userAgent });
        return false;
      },
    },
  });
  const alice = await enrollTotp(h);
  const reader = countingReader();
  const req: FakeRequest = { headers: { 'x-session-token': alice.sessionToken, 'user-agent': AGENT }, ip: ADDRESS, method: 'GET', url: '/api' };
  expect((await guardRequest(h.mfa, reader, req, alice.user, {}, decided, undefined)).allow).toBe(true);
  expect(seen).toEqual([{ ip: ADDRESS, userAgent: AGENT }]);
});

test('an inline code is recorded with the address: its verification event carries it', async () => {
  const h = setup();
  const alice = await enrollTotp(h);
  h.clock.advanceSeconds(30);
  const reader = countingReader();
  const req: FakeRequest = { headers: { 'x-mfa-token': totpCode(alice.secret, h.clock), 'user-agent': AGENT }, ip: ADDRESS, method: 'GET', url: '/api' };
  const decision = await guardRequest(h.mfa, reader, req, alice.user, {}, decided, undefined);
  expect(decision.allow).toBe(true);
  const verified = h.events.filter((e): e is Extract<MfaEvent, { type: 'verification.succeeded' }> => e.type === 'verification.succeeded');
  expect(verified.at(-1)?.ip).toBe(ADDRESS);
});

test('a grant is read with its method, path, body and address; the request is the one mfaRequestOf builds', async () => {
  const h = setup();
  const alice = await enrollTotp(h);
  const body = '{"payee":"bob"}';
  const grant = await grantFor(h, alice, { method: 'POST', path: '/api/payees', digest: digestOf(body) });
  const reader = countingReader();
  const headers = { 'x-mfa-grant': grant, 'content-length': String(body.length), 'user-agent': AGENT };
  const req: FakeRequest = { headers, ip: ADDRESS, method: 'post', url: '/api/payees', body };
  expect(readMfaRequest(reader, req, alice.user, false)).toEqual({ ...mfaRequestOf(alice.user, headers, ADDRESS, 'post', '/api/payees'), rawBody: body });
  expect((await guardRequest(h.mfa, reader, req, alice.user, ONCE_BODY, decided, undefined)).allow).toBe(true);
  expect(reader.ipReads).toBe(2);
});

test('without a reader for the body, a grant bound to a digest is refused, as mfaRequestOf leaves it', async () => {
  const h = setup();
  const alice = await enrollTotp(h);
  const body = '{"payee":"bob"}';
  const grant = await grantFor(h, alice, { method: 'POST', path: '/api/payees', digest: digestOf(body) });
  const { rawBody: _omitted, ...reader } = countingReader();
  const req: FakeRequest = { headers: { 'x-mfa-grant': grant, 'content-length': String(body.length) }, ip: ADDRESS, method: 'POST', url: '/api/payees', body };
  const decision = await guardRequest(h.mfa, reader, req, alice.user, ONCE_BODY, decided, undefined);
  expect(decision.allow).toBe(false);
});
