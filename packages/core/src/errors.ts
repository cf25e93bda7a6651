/**
 * Stable codes of the errors mfakit throws. Callers switch on `err.code`, never on a message.
 * These are misuse and configuration errors; a wrong code or an expired session is a result,
 * not an exception.
 */
export type MfaErrorCode =
  /** An option passed to `createMfa` is missing, of the wrong type or unsafe. */
  | 'invalid_option'
  /** `NODE_ENV=production` and no encryption key was configured. */
  | 'encryption_key_required'
  /** A stored secret could not be decrypted: unknown key id, wrong key, or tampered data. */
  | 'secret_undecryptable'
  /** A store answered with something the core cannot use. */
  | 'store_corrupt';

/**
 * The one error class of mfakit.
 *
 * @example
 * try { createMfa({ issuer: '' }) } catch (err) {
 *   if (err instanceof MfaError && err.code === 'invalid_option') { ... }
 * }
 */
export class MfaError extends Error {
  readonly code: MfaErrorCode;

  constructor(code: MfaErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
    this.name = this.constructor.name;
  }
}
