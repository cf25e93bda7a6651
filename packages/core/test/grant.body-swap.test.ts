// Threat: a step-up grant made for one body ("add payee bob, account 123") carries another body (the account swapped by malware in the page or a proxy) to a route that binds grants to bodies.
import { decide } from '@mfakit/testing';
import { digestOf, grantFor, ONCE, ONCE_BODY, presenting } from './grantHelpers';
import { enrollTotp, setup } from './helpers';

const BODY = '{"name":"bob","account":"123"}';
const ACTION = { method: 'POST', path: '/api/payees', digest: digestOf(BODY) };

test('the body the grant names passes; as a Buffer too', async () => {
  const h = setup();
  const alice = await enrollTotp(h);
  expect((await decide(h.mfa, presenting(alice, await grantFor(h, alice, ACTION), 'POST', '/api/payees', BODY), ONCE_BODY)).allow).toBe(true);
  const request = { ...presenting(alice, await grantFor(h, alice, ACTION), 'POST', '/api/payees'), rawBody: Buffer.from(BODY) };
  expect((await decide(h.mfa, request, ONCE_BODY)).allow).toBe(true);
});

test.each([
  ['another account', '{"name":"bob","account":"666"}'],
  ['one byte more', `${BODY} `],
  ['the same JSON written otherwise', '{"account":"123","name":"bob"}'],
  ['no body', ''],
])('%s: refused, on any route, since the grant names a digest', async (_name, body) => {
  const h = setup();
  const alice = await enrollTotp(h);
  for (const requirement of [ONCE_BODY, ONCE, {}]) {
    const grant = await grantFor(h, alice, ACTION);
    const decision = await decide(h.mfa, presenting(alice, grant, 'POST', '/api/payees', body), requirement);
    expect(decision).toMatchObject({ allow: false, response: { status: 401, body: { code: 'mfa_grant_invalid', detail: expect.stringContaining('body') } } });
  }
});

test('a route that binds bodies refuses a grant that names no digest', async () => {
  const h = setup();
  const alice = await enrollTotp(h);
  const grant = await grantFor(h, alice, { method: 'POST', path: '/api/payees' });
  expect(await decide(h.mfa, presenting(alice, grant, 'POST', '/api/payees', BODY), ONCE_BODY)).toMatchObject({
    allow: false,
    response: { body: { code: 'mfa_grant_invalid', detail: expect.stringContaining('digest') } },
  });
});

test('a grant naming a digest, where the adapter kept no raw body, is refused and the cause logged', async () => {
  const h = setup();
  const alice = await enrollTotp(h);
  const grant = await grantFor(h, alice, ACTION);
  const { rawBody: _dropped, ...request } = presenting(alice, grant, 'POST', '/api/payees', BODY);
  expect((await decide(h.mfa, request, ONCE_BODY)).allow).toBe(false);
  expect(h.logs.join('\n')).toMatch(/no raw body.*keepRawBody/);
});

test('a sha-512 digest works too', async () => {
  const h = setup();
  const alice = await enrollTotp(h);
  const { createHash } = await import('node:crypto');
  const digest = `sha-512=:${createHash('sha512').update(BODY).digest('base64')}:`;
  const grant = await grantFor(h, alice, { method: 'POST', path: '/api/payees', digest });
  expect((await decide(h.mfa, presenting(alice, grant, 'POST', '/api/payees', BODY), ONCE_BODY)).allow).toBe(true);
});
