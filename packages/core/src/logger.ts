/**
 * Where mfakit writes its warnings and failures; never a secret, a code or a token.
 *
 * @example
 * createMfa({ issuer: 'Acme', logger: { warn: (m) => log.warn(m), error: (m) => log.error(m) } });
 */
export interface MfaLogger {
  /** Something to fix that does not stop service, e.g. running on an ephemeral encryption key. */
  warn(message: string): void;
  /** A failure: a store that threw (the request was denied with 503), a hook that threw. */
  error(message: string): void;
}

/** The default logger: the console, each line marked `[mfakit]`. */
export const consoleLogger: MfaLogger = {
  warn: (message) => console.warn(`[mfakit] ${message}`),
  error: (message) => console.error(`[mfakit] ${message}`),
};
