// Threat: a cloned authenticator whose signature counter gave it away stays usable: the one assertion is refused, but the clone signs in as soon as its counter passes the stored one (or the attacker uses the original), and neither the user nor the administrators hear of it.
import type { AdminNotice, UserNotice } from '@mfakit/core';
import { handleRoute } from '@mfakit/core/http';
import type { PublicKeyCredentialRequestOptionsJSON } from '@simplewebauthn/server';
import { totpCode } from '@mfakit/testing';
import { assertion, codeOf, enrollPasskey, enrollTotp, type Harness, type PasskeyEnrolled, setup, unwrap, WEBAUTHN } from './helpers';

const DISABLED = {
  code: 'factor_disabled',
  detail: 'This passkey or security key is disabled: its signature counter went backwards, so it may have been cloned. An administrator can enable it again.',
};
const IP = '203.0.113.5';
const ADMIN = { by: 'admin-7', ip: '198.51.100.7' };
const settle = () => new Promise((resolve) => setImmediate(resolve));

function withNotices() {
  const user: UserNotice[] = [];
  const admins: AdminNotice[] = [];
  const h = setup({ webauthn: WEBAUTHN, notify: { user: (n) => void user.push(n), admins: (n) => void admins.push(n) } });
  return { h, user, admins };
}

const signIn = async (h: Harness, key: PasskeyEnrolled, overrides = {}) => h.mfa.authenticateWebAuthn({ user: key.user, ip: IP }, await assertion(h, key, overrides));

/** Options (each with a live challenge) fetched now, for assertions sent once the credential is disabled. */
async function optionsNow(h: Harness, key: PasskeyEnrolled, count: number): Promise<PublicKeyCredentialRequestOptionsJSON[]> {
  const options = [];
  for (let i = 0; i < count; i += 1) options.push(unwrap(await h.mfa.webauthnAuthenticationOptions({ user: key.user })));
  return options;
}

/** Three sign-ins (counter 3), then one signed with counter 2, as a clone copied after the second would. */
async function catchClone(h: Harness, key: PasskeyEnrolled): Promise<void> {
  for (let i = 0; i < 3; i += 1) unwrap(await signIn(h, key));
  expect(codeOf(await signIn(h, key, { counter: 2 }))).toBe('webauthn_counter_regressed');
}

test('a regressed counter disables the credential: the clone, counting past it, and the original are then 403 factor_disabled', async () => {
  const { h } = withNotices();
  const alice = await enrollPasskey(h);
  const [forClone, forOriginal] = await optionsNow(h, alice, 2);
  await catchClone(h, alice);
  expect(await h.store.getFactor('alice', alice.factorId)).toMatchObject({ disabled: true, counter: 3 });
  h.events.length = 0;
  const clone = alice.authenticator.authenticate(forClone!, { counter: 50 });
  expect(await h.mfa.authenticateWebAuthn({ user: alice.user, ip: IP }, clone)).toEqual({ ok: false, problem: DISABLED });
  const original = alice.authenticator.authenticate(forOriginal!, { counter: 4 });
  expect(await h.mfa.authenticateWebAuthn({ user: alice.user, ip: IP }, original)).toEqual({ ok: false, problem: DISABLED });
  expect(h.events.filter((e) => e.type === 'verification.succeeded' || e.type === 'webauthn.counter_regressed')).toEqual([]);
  expect(await h.store.getFactor('alice', alice.factorId)).toMatchObject({ disabled: true, counter: 3 });
});

test('a disabled credential is not offered in the authentication options; with none left, the options are 403 factor_disabled', async () => {
  const { h } = withNotices();
  const alice = await enrollTotp(h);
  const first = await enrollPasskey(h, 'alice', undefined, { sessionToken: alice.sessionToken });
  const second = await enrollPasskey(h, 'alice', undefined, { sessionToken: first.sessionToken });
  await catchClone(h, first);
  const options = unwrap(await h.mfa.webauthnAuthenticationOptions({ user: alice.user }));
  expect(options.allowCredentials?.map((c) => c.id)).toEqual([second.authenticator.credential.id]);
  unwrap(await signIn(h, second));
  await catchClone(h, second);
  expect(await h.mfa.webauthnAuthenticationOptions({ user: alice.user })).toEqual({
    ok: false,
    problem: { code: 'factor_disabled', detail: 'Every passkey and security key of this account is disabled: an administrator can enable one again.' },
  });
  // The account's other factor still works, and the disabled credential can be removed.
  h.clock.advance(30_000);
  const fresh = unwrap(await h.mfa.verify({ user: alice.user }, { code: totpCode(alice.secret, h.clock) }));
  unwrap(await h.mfa.removeFactor({ user: alice.user, sessionToken: fresh.sessionToken }, first.factorId));
  expect((await h.store.listFactors('alice')).map((f) => f.id).sort()).toEqual([alice.factorId, second.factorId].sort());
});

test('the user and the administrators are told once, with the factor; the audit has the regression and the disabling', async () => {
  const { h, user, admins } = withNotices();
  const alice = await enrollPasskey(h);
  const [later] = await optionsNow(h, alice, 1);
  await catchClone(h, alice);
  expect(codeOf(await h.mfa.authenticateWebAuthn({ user: alice.user, ip: IP }, alice.authenticator.authenticate(later!, { counter: 1 })))).toBe('factor_disabled');
  await settle();
  const at = h.clock.now();
  expect(h.events).toContainEqual({ type: 'webauthn.counter_regressed', userId: 'alice', at, ip: IP, factorId: alice.factorId, storedCounter: 3, receivedCounter: 2 });
  expect(h.events.filter((e) => e.type === 'factor.disabled')).toEqual([
    { type: 'factor.disabled', userId: 'alice', at, ip: IP, factorId: alice.factorId, kind: 'webauthn', reason: 'counter_regressed' },
  ]);
  expect(user.filter((n) => n.type === 'factor.disabled')).toEqual([{ type: 'factor.disabled', userId: 'alice', at, factorId: alice.factorId, kind: 'webauthn', reason: 'counter_regressed' }]);
  expect(admins).toEqual([{ type: 'factor.disabled', userId: 'alice', at, ip: IP, factorId: alice.factorId, kind: 'webauthn', reason: 'counter_regressed' }]);
});

test('GET /mfa and the admin report show the credential disabled: true; other factors carry no such field', async () => {
  const { h } = withNotices();
  const alice = await enrollTotp(h);
  const passkey = await enrollPasskey(h, 'alice', undefined, { sessionToken: alice.sessionToken });
  await catchClone(h, passkey);
  const status = await handleRoute(h.mfa, 'status', { user: alice.user, params: {}, body: undefined });
  const factors = (status.body as { factors: Record<string, unknown>[] }).factors;
  expect(factors.find((f) => f.id === passkey.factorId)).toMatchObject({ kind: 'webauthn', disabled: true });
  expect(factors.find((f) => f.id === alice.factorId)).not.toHaveProperty('disabled');
  const [row] = (await h.mfa.admin.report()).users;
  expect(row?.factors.find((f) => f.id === passkey.factorId)).toMatchObject({ disabled: true });
});

test('an administrator enables it again: audited, the user told, the original signs in; an unknown factor or user answers false', async () => {
  const { h, user } = withNotices();
  const alice = await enrollPasskey(h);
  await catchClone(h, alice);
  h.events.length = 0;
  expect(await h.mfa.admin.enableFactor('alice', alice.factorId, ADMIN)).toBe(true);
  await settle();
  expect(await h.store.getFactor('alice', alice.factorId)).not.toHaveProperty('disabled');
  expect(h.events).toEqual([{ type: 'factor.enabled', userId: 'alice', at: h.clock.now(), ip: ADMIN.ip, by: ADMIN.by, factorId: alice.factorId, kind: 'webauthn' }]);
  expect(user.at(-1)).toEqual({ type: 'factor.enabled', userId: 'alice', at: h.clock.now(), factorId: alice.factorId, kind: 'webauthn' });
  unwrap(await signIn(h, alice, { counter: 4 }));
  expect((await h.mfa.status({ user: alice.user })).factors[0]).not.toHaveProperty('disabled');

  // Enabling what is enabled changes nothing and tells nobody; another user's or an unknown id is false.
  h.events.length = 0;
  expect(await h.mfa.admin.enableFactor('alice', alice.factorId, ADMIN)).toBe(true);
  expect(await h.mfa.admin.enableFactor('bob', alice.factorId, ADMIN)).toBe(false);
  expect(await h.mfa.admin.enableFactor('alice', 'fac_unknown', ADMIN)).toBe(false);
  expect(h.events).toEqual([]);
});

test('over HTTP: 403 factor_disabled problems for the assertion and for options with nothing left to offer', async () => {
  const { h } = withNotices();
  const alice = await enrollPasskey(h);
  const [later] = await optionsNow(h, alice, 1);
  await catchClone(h, alice);
  const response = alice.authenticator.authenticate(later!, { counter: 10 });
  const answer = await handleRoute(h.mfa, 'webauthnAuthentication', { user: alice.user, params: {}, body: { response } });
  expect(answer).toMatchObject({ status: 403, headers: { 'Content-Type': 'application/problem+json; charset=utf-8' }, body: { ...DISABLED, status: 403 } });
  const options = await handleRoute(h.mfa, 'webauthnAuthenticationOptions', { user: alice.user, params: {}, body: undefined });
  expect(options).toMatchObject({ status: 403, body: { code: 'factor_disabled' } });
});
