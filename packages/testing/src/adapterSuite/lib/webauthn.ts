import type { WebAuthnOptions } from '@mfakit/core';
import request from 'supertest';
import { type AuthenticationOverrides, SoftAuthenticator } from '../../softAuthenticator';
import type { Harness } from './harness';

/** The page the soft authenticator's "browser" shows. */
export const ORIGIN = 'http://localhost:3000';

/** The core's `webauthn` option of the suite's relying party. */
export const WEBAUTHN: WebAuthnOptions = { rpID: 'localhost', rpName: 'Acme', origins: [ORIGIN] };

/** A POST to `/mfa<path>` as `user`, with their session when given. */
export function post(h: Harness, path: string, user: string, sessionToken?: string): request.Test {
  const req = request(h.app).post(`/mfa${path}`).set('X-Test-User', user);
  return sessionToken ? req.set('X-Session-Token', sessionToken) : req;
}

/** A credential registered through the router. */
export interface Registered {
  key: SoftAuthenticator;
  factorId: string;
  sessionToken: string;
  recoveryCodes?: string[];
}

/** Registers a credential through the router; a user with a factor passes a fresh session. */
export async function register(h: Harness, user: string, key = new SoftAuthenticator({ origin: ORIGIN }), sessionToken?: string, label?: string): Promise<Registered> {
  const options = await post(h, '/webauthn/registration/options', user, sessionToken).expect(200);
  const res = await post(h, '/webauthn/registration', user, sessionToken)
    .send({ response: key.register(options.body), ...(label ? { label } : {}) })
    .expect(201);
  return { key, factorId: res.body.factor.id, sessionToken: res.body.session.sessionToken, recoveryCodes: res.body.recoveryCodes };
}

/** New request options, signed by the key. */
export async function signed(h: Harness, user: string, key: SoftAuthenticator, overrides: AuthenticationOverrides = {}) {
  const options = await post(h, '/webauthn/authentication/options', user).expect(200);
  return key.authenticate(options.body, overrides);
}
