import { NodeCryptoPlugin } from '@otplib/plugin-crypto-node';
import { generateSync, ScureBase32Plugin } from 'otplib';
import type { Clock } from '@mfakit/core';
import type { OtpAlgorithm } from '@mfakit/core/store';

const crypto = new NodeCryptoPlugin();
const base32 = new ScureBase32Plugin();

/** What an authenticator app would show now for a base32 secret: the test's stand-in for a phone. */
export function totpCode(secret: string, clock: Clock, options: { algorithm?: OtpAlgorithm; digits?: 6 | 8; period?: number; offsetSteps?: number } = {}): string {
  const period = options.period ?? 30;
  return generateSync({
    secret,
    crypto,
    base32,
    algorithm: options.algorithm ?? 'sha1',
    digits: options.digits ?? 6,
    period,
    epoch: Math.floor(clock.now() / 1000) + (options.offsetSteps ?? 0) * period,
  });
}

/** The HOTP code for a counter value. */
export function hotpCode(secret: string, counter: number, options: { algorithm?: OtpAlgorithm; digits?: 6 | 8 } = {}): string {
  return generateSync({ strategy: 'hotp', secret, crypto, base32, counter, algorithm: options.algorithm ?? 'sha1', digits: options.digits ?? 6 });
}

/** A code that is not valid for this secret at any step of the ±1 window around now. */
export function wrongCode(secret: string, clock: Clock, options: { digits?: 6 | 8; period?: number } = {}): string {
  const digits = options.digits ?? 6;
  const valid = new Set([-1, 0, 1].map((offsetSteps) => totpCode(secret, clock, { ...options, offsetSteps })));
  let candidate = Number(totpCode(secret, clock, options));
  let code: string;
  do {
    candidate = (candidate + 7919) % 10 ** digits;
    code = String(candidate).padStart(digits, '0');
  } while (valid.has(code));
  return code;
}

/** Every text form in which a base32 secret could be stored: base32 either case, hex, base64, base64url. */
export function plaintextForms(secret: string): string[] {
  const bytes = Buffer.from(base32.decode(secret));
  return [secret, secret.toLowerCase(), bytes.toString('hex'), bytes.toString('base64'), bytes.toString('base64url')];
}
