import { stateKeys } from '../lib/keys';
import { denial } from '../outcome';
import type { ResolvedOptions } from '../options';

export type Ceremony = 'registration' | 'authentication';
export type RelyingParty = NonNullable<ResolvedOptions['webauthn']>;

export const CHALLENGE_BYTES = 32; // the issue asks for at least 32; WebAuthn section 13.4.3 for 16
export const CHALLENGE_TTL_MS = 5 * 60_000;
const MAX_FIELD = 16_384;

/** The parts of a browser's WebAuthn response that mfakit reads before the library does. */
export interface ParsedResponse {
  /** The credential id, base64url. */
  id: string;
  /** The challenge the authenticator signed, from clientDataJSON. */
  challenge: string;
}

export const notConfigured = () => denial('not_found', 'WebAuthn is not configured on this server.');

/** A new challenge of the ceremony for this user, kept until used or five minutes pass. */
export async function storeChallenge(opts: ResolvedOptions, userId: string, ceremony: Ceremony, challenge: string): Promise<void> {
  await opts.state.set(stateKeys.challenge(userId, ceremony, challenge), '1', CHALLENGE_TTL_MS);
}

/** Spends a challenge: true once, for the user and ceremony it was made for, within its lifetime. */
export async function consumeChallenge(opts: ResolvedOptions, userId: string, ceremony: Ceremony, challenge: string): Promise<boolean> {
  return (await opts.state.consume(stateKeys.challenge(userId, ceremony, challenge))) !== null;
}

/**
 * Checks the shape of a RegistrationResponseJSON or AuthenticationResponseJSON and reads its
 * credential id and challenge; null when it is not one. The signature and everything else is
 * @simplewebauthn/server's to verify.
 */
export function parseResponse(response: unknown, ceremony: Ceremony): ParsedResponse | null {
  if (!isObject(response) || !isObject(response.response) || response.type !== 'public-key') return null;
  const { id, rawId } = response;
  const inner = response.response;
  const fields = ceremony === 'registration' ? ['clientDataJSON', 'attestationObject'] : ['clientDataJSON', 'authenticatorData', 'signature'];
  if (!isBase64Url(id) || rawId !== id || !fields.every((field) => isBase64Url(inner[field]))) return null;
  try {
    const clientData = JSON.parse(Buffer.from(inner.clientDataJSON as string, 'base64url').toString('utf8')) as unknown;
    if (!isObject(clientData) || !isBase64Url(clientData.challenge) || clientData.challenge.length > 512) return null;
    return { id, challenge: clientData.challenge };
  } catch {
    return null;
  }
}

/**
 * RFC 8176 values for a WebAuthn proof: `hwk` for a key bound to one authenticator, `swk` for a
 * synced passkey (its private key leaves the hardware); `user` when only presence was tested;
 * `mfa` for a user-verified proof when the policy counts it as multi-factor on its own.
 * WebAuthn does not say how the user was verified, so no `pin`, `fpt` or `face`.
 */
export function amrOf(rp: RelyingParty, deviceType: 'singleDevice' | 'multiDevice', userVerified: boolean): string[] {
  const amr = [deviceType === 'multiDevice' ? 'swk' : 'hwk'];
  if (!userVerified) amr.push('user');
  else if (rp.userVerifiedIsMfa) amr.push('mfa');
  return amr;
}

/** The detail of a failed verification: the library's reason (origins, ids, flags; never a key). */
export function failure(err: unknown) {
  const reason = err instanceof Error ? err.message.slice(0, 300) : 'the response did not verify';
  return denial('webauthn_verification_failed', `The authenticator's response could not be verified: ${reason}`);
}

function isObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

function isBase64Url(value: unknown): value is string {
  return typeof value === 'string' && value.length > 0 && value.length <= MAX_FIELD && /^[A-Za-z0-9_-]+={0,2}$/.test(value);
}
