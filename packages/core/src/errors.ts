/**
 * Stable codes of the errors mfakit throws. Callers switch on `err.code`, never on a message.
 * These are misuse and configuration errors; a wrong code or an expired session is a result
 * (an {@link Outcome}), not an exception.
 */
export type MfaErrorCode =
  /** An option passed to `createMfa` is missing, of the wrong type or unsafe. */
  | 'invalid_option'
  /** `NODE_ENV=production` and no encryption key was configured. */
  | 'encryption_key_required'
  /** A stored secret could not be decrypted: unknown key id, wrong key, or tampered data. */
  | 'secret_undecryptable'
  /** A method was given a user whose id is not a string of 1 to 256 characters (the HTTP routes answer 401 instead). */
  | 'invalid_user'
  /** A store answered with something the core cannot use (e.g. a `@mfakit/postgres` row of an unknown kind). */
  | 'store_corrupt'
  /** `assertEveryRouteGuarded` of an adapter found routes that nothing guards. */
  | 'unguarded_route';

/**
 * The one error class of mfakit. It is thrown for misuse only: a bad option at start-up
 * (`invalid_option`, `encryption_key_required`), a secret that no key of the ring decrypts
 * (`secret_undecryptable`), a store that answers nonsense (`store_corrupt`). Its message names
 * the problem and never holds a secret.
 *
 * @example
 * try {
 *   createMfa({ issuer: '' });
 * } catch (err) {
 *   if (err instanceof MfaError && err.code === 'invalid_option') console.error(err.message);
 *   else throw err;
 * }
 */
export class MfaError extends Error {
  /** The stable code to switch on. */
  readonly code: MfaErrorCode;

  /**
   * @param code - The stable code.
   * @param message - What went wrong, for logs; never a secret.
   * @param options - `cause`: the underlying error, if any.
   */
  constructor(code: MfaErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
    this.name = this.constructor.name;
  }
}
