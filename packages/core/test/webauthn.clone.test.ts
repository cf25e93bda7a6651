// Threat: an attacker who cloned an authenticator (extracted its private key) signs in with the copy; its signature counter falls behind the original's (WebAuthn section 6.1.1).
import { SoftAuthenticator } from '@mfakit/testing';
import { assertion, codeOf, enrollPasskey, type Harness, ORIGIN, type PasskeyEnrolled, setup, unwrap, WEBAUTHN } from './helpers';

const withWebAuthn = (rest = {}) => setup({ webauthn: WEBAUTHN, ...rest });

async function storedCounter(h: Harness, key: PasskeyEnrolled): Promise<number | undefined> {
  return (await h.store.getFactor(key.user.id, key.factorId))?.counter;
}

async function signIn(h: Harness, key: PasskeyEnrolled, overrides = {}) {
  return h.mfa.authenticateWebAuthn({ user: key.user, ip: '203.0.113.5' }, await assertion(h, key, overrides));
}

test('a counter that goes backwards is refused as webauthn_counter_regressed and reported', async () => {
  const h = withWebAuthn();
  const alice = await enrollPasskey(h);
  unwrap(await signIn(h, alice)); // 1
  unwrap(await signIn(h, alice)); // 2
  unwrap(await signIn(h, alice)); // 3
  h.events.length = 0;
  const outcome = await signIn(h, alice, { counter: 2 });
  expect(codeOf(outcome)).toBe('webauthn_counter_regressed');
  expect(!outcome.ok && outcome.problem.detail).toMatch(/clone/);
  expect(h.events).toContainEqual({ type: 'webauthn.counter_regressed', userId: 'alice', at: h.clock.now(), ip: '203.0.113.5', factorId: alice.factorId, storedCounter: 3, receivedCounter: 2 });
  expect(h.events.filter((e) => e.type === 'verification.succeeded')).toEqual([]);
  expect(await storedCounter(h, alice)).toBe(3);
});

test('a counter that stays equal (and is not zero) is refused', async () => {
  const h = withWebAuthn();
  const alice = await enrollPasskey(h);
  unwrap(await signIn(h, alice, { counter: 5 }));
  expect(codeOf(await signIn(h, alice, { counter: 5 }))).toBe('webauthn_counter_regressed');
  expect(h.events).toContainEqual(expect.objectContaining({ type: 'webauthn.counter_regressed', storedCounter: 5, receivedCounter: 5 }));
  expect(await storedCounter(h, alice)).toBe(5);
});

test('a counter that drops back to zero after counting is refused', async () => {
  const h = withWebAuthn();
  const alice = await enrollPasskey(h);
  unwrap(await signIn(h, alice));
  expect(codeOf(await signIn(h, alice, { counter: 0 }))).toBe('webauthn_counter_regressed');
  expect(h.events).toContainEqual(expect.objectContaining({ type: 'webauthn.counter_regressed', storedCounter: 1, receivedCounter: 0 }));
});

test('original and clone: once the original has moved on, the copy is refused and the credential disabled, for both, until an administrator enables it', async () => {
  const h = withWebAuthn();
  const alice = await enrollPasskey(h);
  unwrap(await signIn(h, alice)); // counter 1 when the key is copied
  const copiedAt = alice.authenticator.counter;
  unwrap(await signIn(h, alice)); // 2
  unwrap(await signIn(h, alice)); // 3: the original is used on
  const original = alice.authenticator.counter;
  alice.authenticator.counter = copiedAt; // the clone's counter, moving on from where it was copied
  const later = unwrap(await h.mfa.webauthnAuthenticationOptions({ user: alice.user })); // for the original, below
  expect(codeOf(await signIn(h, alice))).toBe('webauthn_counter_regressed'); // signs 2
  alice.authenticator.counter = original;
  expect(codeOf(await h.mfa.authenticateWebAuthn({ user: alice.user }, alice.authenticator.authenticate(later)))).toBe('factor_disabled'); // the original signs 4
  expect(await storedCounter(h, alice)).toBe(3);
  await h.mfa.admin.enableFactor('alice', alice.factorId, { by: 'admin-7' });
  unwrap(await signIn(h, alice)); // the original signs 5
  expect(await storedCounter(h, alice)).toBe(5);
  expect(h.events.filter((e) => e.type === 'webauthn.counter_regressed')).toHaveLength(1);
});

test('an authenticator that keeps its counter at 0 is accepted every time', async () => {
  const h = withWebAuthn();
  const alice = await enrollPasskey(h, 'alice', new SoftAuthenticator({ origin: ORIGIN, backupEligible: true, countsSignatures: false }));
  for (let i = 0; i < 5; i += 1) unwrap(await signIn(h, alice));
  expect(alice.authenticator.counter).toBe(0);
  expect(await storedCounter(h, alice)).toBe(0);
  expect(h.events.filter((e) => e.type === 'webauthn.counter_regressed')).toEqual([]);
});

test('a counter that jumps forward is accepted and stored', async () => {
  const h = withWebAuthn();
  const alice = await enrollPasskey(h);
  unwrap(await signIn(h, alice, { counter: 1_000 }));
  expect(await storedCounter(h, alice)).toBe(1_000);
  expect(codeOf(await signIn(h, alice, { counter: 999 }))).toBe('webauthn_counter_regressed');
});

test('a counter that regresses under a bad signature is a verification failure, not a clone report', async () => {
  const h = withWebAuthn();
  const alice = await enrollPasskey(h);
  unwrap(await signIn(h, alice, { counter: 10 }));
  expect(codeOf(await signIn(h, alice, { counter: 3, tamperSignature: true }))).toBe('webauthn_verification_failed');
  expect(h.events.filter((e) => e.type === 'webauthn.counter_regressed')).toEqual([]);
  expect(await storedCounter(h, alice)).toBe(10);
});

test('a regression disables that credential alone and locks nothing: the other passkey signs in at once', async () => {
  const h = withWebAuthn();
  const alice = await enrollPasskey(h);
  const other = await enrollPasskey(h, 'alice', undefined, { sessionToken: alice.sessionToken });
  unwrap(await signIn(h, alice, { counter: 10 }));
  expect(codeOf(await signIn(h, alice, { counter: 9 }))).toBe('webauthn_counter_regressed');
  unwrap(await signIn(h, other));
  expect(h.events.filter((e) => e.type === 'verification.failed').map((e) => 'reason' in e && e.reason)).toEqual(['webauthn_counter_regressed']);
  expect(h.events.filter((e) => e.type === 'account.locked')).toEqual([]);
});
