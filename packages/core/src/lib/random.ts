import { hash, randomBytes as nodeRandomBytes, timingSafeEqual } from 'node:crypto';

/**
 * Returns `size` cryptographically random bytes; injected so tests can make them predictable.
 * Every secret, code, token, challenge and id mfakit makes comes from it. The default is Node's
 * `crypto.randomBytes`; never pass anything weaker outside tests.
 *
 * @example
 * // tests only: predictable bytes, different on every call
 * let call = 0;
 * const predictable: RandomBytes = (size) => Buffer.alloc(size, ++call % 256);
 * const mfa = createMfa({ issuer: 'Acme', randomBytes: predictable });
 */
export type RandomBytes = (size: number) => Buffer;

export const defaultRandomBytes: RandomBytes = (size) => nodeRandomBytes(size);

/** A random identifier with a readable prefix, e.g. `fac_3q2...`: 128 bits, base64url. */
export function randomId(random: RandomBytes, prefix: string): string {
  return `${prefix}_${random(16).toString('base64url')}`;
}

/**
 * SHA-256 of a high-entropy token, hex: how session tokens are stored. The one-shot `crypto.hash`
 * (Node 20.12+) costs about a third of `createHash().update().digest()`: it runs on every MFA check.
 */
export function sha256(value: string): string {
  return hash('sha256', value, 'hex');
}

/**
 * SHA-256 of a high-entropy token, as its 32 bytes in a string of 32 characters (0 to 255): the id
 * of a session in a session table, which keeps it as bytes (and reads it faster than hex).
 */
export function sha256Bytes(value: string): string {
  return hash('sha256', value, 'binary');
}

/** Compares two strings in time independent of where they differ. */
export function safeEqual(a: string, b: string): boolean {
  const left = Buffer.from(a);
  const right = Buffer.from(b);
  return left.length === right.length && timingSafeEqual(left, right);
}
