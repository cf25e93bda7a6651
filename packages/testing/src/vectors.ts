import { ScureBase32Plugin } from 'otplib';
import type { OtpAlgorithm } from '@mfakit/core/store';

const base32 = new ScureBase32Plugin();

/** The base32 form (no padding) of an ASCII seed: what an `otpauth://` URI would carry. */
export function base32OfAscii(seed: string): string {
  return base32.encode(Buffer.from(seed, 'ascii'), { padding: false });
}

/** One HOTP test vector: the counter and the 6-digit code RFC 4226 gives for it. */
export interface HotpVector {
  counter: number;
  code: string;
}

/** RFC 4226 Appendix D: the shared secret, ASCII "12345678901234567890" (20 bytes, HMAC-SHA-1). */
export const RFC4226_SEED = '12345678901234567890';

/** RFC 4226 Appendix D: HOTP values for counters 0 to 9 (6 digits, SHA-1). */
export const RFC4226_VECTORS: readonly HotpVector[] = ['755224', '287082', '359152', '969429', '338314', '254676', '287922', '162583', '399871', '520489'].map((code, counter) => ({ counter, code }));

/** One TOTP test vector: the Unix time in seconds, the hash, its seed and the 8-digit code. */
export interface TotpVector {
  time: number;
  algorithm: OtpAlgorithm;
  /** The ASCII seed for this algorithm (RFC 6238 Appendix A: 20, 32 or 64 bytes). */
  seed: string;
  code: string;
}

/** RFC 6238 Appendix B seeds: one per hash, as long as its output (20, 32 and 64 bytes). */
export const RFC6238_SEEDS: Readonly<Record<OtpAlgorithm, string>> = {
  sha1: '12345678901234567890',
  sha256: '12345678901234567890123456789012',
  sha512: '1234567890123456789012345678901234567890123456789012345678901234',
};

const RFC6238_TIMES = [59, 1111111109, 1111111111, 1234567890, 2000000000, 20000000000];
const RFC6238_CODES: Record<OtpAlgorithm, string[]> = {
  sha1: ['94287082', '07081804', '14050471', '89005924', '69279037', '65353130'],
  sha256: ['46119246', '68084774', '67062674', '91819424', '90698825', '77737706'],
  sha512: ['90693936', '25091201', '99943326', '93441116', '38618901', '47863826'],
};

/** RFC 6238 Appendix B: TOTP values (8 digits, 30-second step, T0 = 0) for each hash. */
export const RFC6238_VECTORS: readonly TotpVector[] = (['sha1', 'sha256', 'sha512'] as const).flatMap((algorithm) =>
  RFC6238_TIMES.map((time, i) => ({ time, algorithm, seed: RFC6238_SEEDS[algorithm], code: RFC6238_CODES[algorithm][i]! })),
);
