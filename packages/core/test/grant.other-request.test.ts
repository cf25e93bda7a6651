// Threat: a step-up grant made for one action ("add payee bob") is used for another: another path, another method, or the same path with another query.
import { decide } from '@mfakit/testing';
import { grantFor, ONCE, presenting } from './grantHelpers';
import { enrollTotp, setup } from './helpers';

const MADE_FOR = { method: 'POST', path: '/api/payees?draft=0' };

test.each([
  ['another path', 'POST', '/api/transfers?draft=0'],
  ['another method', 'PUT', '/api/payees?draft=0'],
  ['another query', 'POST', '/api/payees?draft=1'],
  ['no query', 'POST', '/api/payees'],
  ['a path that normalizes to it', 'POST', '/api//payees?draft=0'],
  ['another case', 'POST', '/API/payees?draft=0'],
])('%s: refused with the request it was made for named', async (_name, method, path) => {
  const h = setup();
  const alice = await enrollTotp(h);
  const grant = await grantFor(h, alice, MADE_FOR);
  const decision = await decide(h.mfa, presenting(alice, grant, method, path), ONCE);
  expect(decision).toMatchObject({ allow: false, response: { status: 401, body: { code: 'mfa_grant_invalid', detail: expect.stringContaining('POST /api/payees?draft=0') } } });
});

test('the method is compared in upper case, as HTTP methods are sent', async () => {
  const h = setup();
  const alice = await enrollTotp(h);
  const grant = await grantFor(h, alice, { method: 'post', path: '/api/payees' });
  expect((await decide(h.mfa, presenting(alice, grant, 'POST', '/api/payees'), ONCE)).allow).toBe(true);
});

test('a request that carries no target (an adapter that does not say which request it is) is refused', async () => {
  const h = setup();
  const alice = await enrollTotp(h);
  const grant = await grantFor(h, alice, MADE_FOR);
  expect((await decide(h.mfa, { user: alice.user, grant }, ONCE)).allow).toBe(false);
});
