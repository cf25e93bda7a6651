// Threat: one WebAuthn credential registered twice, by two racing requests of its owner (a double submit) or by another account that copies its credential id (public: it is in every set of options), because each request reads, finds no such credential, and inserts; the credential then stands for two factors or two users (WebAuthn Level 3 section 7.1, step 26: a credential id registered for any user must be refused).
import { handleRoute } from '@mfakit/core/http';
import type { RegistrationResponseJSON } from '@simplewebauthn/server';
import { SoftAuthenticator } from '@mfakit/testing';
import { codeOf, enrollPasskey, type Harness, ORIGIN, setup, unwrap, WEBAUTHN } from './helpers';

const withWebAuthn = () => setup({ webauthn: WEBAUTHN });
const EXISTS = { code: 'factor_exists', detail: 'This authenticator is registered already.' };

/** Registration responses of one credential, one per user (each for options, and so a challenge, of its own), all made before any is sent. */
async function responsesOfOneCredential(h: Harness, userIds: string[]): Promise<{ key: SoftAuthenticator; responses: RegistrationResponseJSON[] }> {
  const key = new SoftAuthenticator({ origin: ORIGIN });
  const responses: RegistrationResponseJSON[] = [];
  for (const id of userIds) {
    const options = unwrap(await h.mfa.webauthnRegistrationOptions({ user: { id } }));
    responses.push(responses.length === 0 ? key.register(options) : key.register(options, { credentialId: key.credential.id }));
  }
  return { key, responses };
}

async function storedCopies(h: Harness, credentialId: string) {
  const copies = [];
  for await (const factor of h.store.allFactors()) if (factor.kind === 'webauthn' && factor.credentialId === credentialId) copies.push(factor);
  return copies;
}

test('two concurrent registrations of one credential by its owner: one lands with the recovery codes, the other is factor_exists', async () => {
  const h = withWebAuthn();
  const user = { id: 'alice' };
  const { key, responses } = await responsesOfOneCredential(h, ['alice', 'alice']);
  const outcomes = await Promise.all(responses.map((response) => h.mfa.registerWebAuthn({ user }, response)));
  expect(outcomes.map(codeOf).sort()).toEqual(['factor_exists', 'ok']);
  const won = unwrap(outcomes.find((o) => o.ok)!);
  expect(outcomes.find((o) => !o.ok)).toEqual({ ok: false, problem: EXISTS });
  expect(await h.store.listFactors('alice')).toEqual([expect.objectContaining({ id: won.factor.id, credentialId: key.credential.id })]);
  expect(won.recoveryCodes).toHaveLength(10);
  expect(h.events.filter((e) => e.type === 'factor.enrolled')).toHaveLength(1);
});

test("two users registering one credential id at once: one account gets it, the other's request is factor_exists", async () => {
  const h = withWebAuthn();
  const { key, responses } = await responsesOfOneCredential(h, ['alice', 'mallory']);
  const outcomes = await Promise.all([h.mfa.registerWebAuthn({ user: { id: 'alice' } }, responses[0]), h.mfa.registerWebAuthn({ user: { id: 'mallory' } }, responses[1])]);
  expect(outcomes.map(codeOf).sort()).toEqual(['factor_exists', 'ok']);
  expect(await storedCopies(h, key.credential.id)).toHaveLength(1);
});

test('another account cannot register a credential id that is registered already; once it is removed, the id is free again', async () => {
  const h = withWebAuthn();
  const alice = await enrollPasskey(h);
  const options = unwrap(await h.mfa.webauthnRegistrationOptions({ user: { id: 'mallory' } }));
  const copied = alice.authenticator.register(options, { credentialId: alice.authenticator.credential.id });
  expect(await h.mfa.registerWebAuthn({ user: { id: 'mallory' } }, copied)).toEqual({ ok: false, problem: EXISTS });
  expect(await h.store.listFactors('mallory')).toEqual([]);
  expect(await h.store.getRecoveryCodes('mallory')).toBeNull();
  // alice's key still signs her in
  const assertion = alice.authenticator.authenticate(unwrap(await h.mfa.webauthnAuthenticationOptions({ user: alice.user })));
  unwrap(await h.mfa.authenticateWebAuthn({ user: alice.user }, assertion));

  await h.mfa.admin.revokeUser('alice', { by: 'admin-1' });
  const again = alice.authenticator.register(unwrap(await h.mfa.webauthnRegistrationOptions({ user: { id: 'mallory' } })), { credentialId: alice.authenticator.credential.id });
  unwrap(await h.mfa.registerWebAuthn({ user: { id: 'mallory' } }, again));
  expect(await storedCopies(h, alice.authenticator.credential.id)).toEqual([expect.objectContaining({ userId: 'mallory' })]);
});

test('over HTTP, the racing second registration is a 409 factor_exists problem, not a 500', async () => {
  const h = withWebAuthn();
  const user = { id: 'alice' };
  const { responses } = await responsesOfOneCredential(h, ['alice', 'alice']);
  const answers = await Promise.all(responses.map((response) => handleRoute(h.mfa, 'webauthnRegistration', { user, params: {}, body: { response } })));
  expect(answers.map((a) => a.status).sort()).toEqual([201, 409]);
  expect(answers.find((a) => a.status === 409)).toMatchObject({ headers: { 'Content-Type': 'application/problem+json; charset=utf-8' }, body: EXISTS });
  expect(h.logs).toEqual([]);
});
