import { NodeCryptoPlugin } from '@otplib/plugin-crypto-node';
import { generateURI, ScureBase32Plugin, verify } from 'otplib';
import QRCode from 'qrcode';
import { stateKeys } from '../lib/keys';
import { randomId } from '../lib/random';
import type { MfaUser } from '../request';
import type { MfaContext } from '../context';
import type { OtpFactorRecord } from '../store/types';

/** The ports and settings OTP factors need: a part of the core's context. */
export type OtpPorts = Pick<MfaContext, 'issuer' | 'accountName' | 'keyRing' | 'totp' | 'hotp' | 'state' | 'factors' | 'clock' | 'emit' | 'enrollmentTtlMs' | 'randomBytes'>;

/**
 * What a user needs to add an OTP factor to an authenticator app; shown once. The application
 * shows it and must not store or log it: the pending factor lives in the state store, its secret
 * encrypted, until confirmed or `expiresAt`.
 * @see RFC 6238; RFC 4226; Key URI Format (`otpauth://`)
 */
export interface OtpEnrollment {
  /** The pending factor's id, for `confirmEnrollment`. */
  factorId: string;
  /** The base32 secret, for typing in by hand. */
  secret: string;
  /** The Key URI Format URI the QR code holds. */
  otpauthUrl: string;
  /** A PNG data URL of the QR code. */
  qrCode: string;
  /** When the pending enrollment lapses unless confirmed (ms since the epoch). */
  expiresAt: number;
}

const SECRET_BYTES = 20; // 160 bits: RFC 4226 section 4 R6 recommends 160
const crypto = new NodeCryptoPlugin();
const base32 = new ScureBase32Plugin();

/**
 * The associated data that binds an encrypted OTP secret to its user and factor: what
 * `KeyRing.encrypt` and `decrypt` are given for an {@link OtpFactorRecord}'s secret. Stores and
 * tools that re-encrypt secrets need it.
 * @param userId - The factor's user.
 * @param factorId - The factor's id.
 * @returns `mfakit:otp:<userId>:<factorId>`.
 * @example
 * const secret = mfa.options.keyRing.decrypt(factor.secret, otpSecretContext(factor.userId, factor.id));
 */
export const otpSecretContext = (userId: string, factorId: string) => `mfakit:otp:${userId}:${factorId}`;

/**
 * Starts enrolling a TOTP or HOTP factor: a new secret, its URI and QR code. The factor is
 * pending, in the StateStore, until confirmed with a valid code; unconfirmed, it lapses after
 * `enrollmentTtl`.
 */
export async function startOtpEnrollment(opts: OtpPorts, user: MfaUser, kind: 'totp' | 'hotp', label: string): Promise<OtpEnrollment> {
  const now = opts.clock.now();
  const factorId = randomId(opts.randomBytes, 'fac');
  const secret = base32.encode(opts.randomBytes(SECRET_BYTES), { padding: false });
  const { algorithm, digits, period } = opts.totp;
  const pending: OtpFactorRecord = {
    id: factorId,
    userId: user.id,
    kind,
    label,
    createdAt: now,
    secret: opts.keyRing.encrypt(secret, otpSecretContext(user.id, factorId)),
    algorithm,
    digits,
    period,
    counter: 0,
  };
  await opts.state.set(stateKeys.enrollment(user.id, factorId), JSON.stringify(pending), opts.enrollmentTtlMs);
  const otpauthUrl = generateURI({
    strategy: kind,
    issuer: opts.issuer,
    label: opts.accountName(user),
    secret,
    algorithm,
    digits,
    period: kind === 'totp' ? period : undefined,
    counter: kind === 'hotp' ? 0 : undefined,
  });
  // PNG filter 2 ("Up") for every row, instead of pngjs trying all five per row: a QR code's rows
  // repeat `scale` times, so Up turns most into zeros. Twice as fast (5 ms instead of 12), and far
  // faster under jest, whose sandbox slows pngjs's per-row scoring 50-fold; 7.5 kB instead of 3 kB.
  // (`rendererOpts` reaches pngjs as is; the qrcode typings do not name it for PNG data URLs.)
  const qrCode = await QRCode.toDataURL(otpauthUrl, { errorCorrectionLevel: 'M', margin: 2, scale: 6, rendererOpts: { filterType: 2 } } as QRCode.QRCodeToDataURLOptions);
  return { factorId, secret, otpauthUrl, qrCode, expiresAt: now + opts.enrollmentTtlMs };
}

/**
 * Checks a code against one OTP factor and spends it: for TOTP, the accepted time step and every
 * earlier one are refused from then on; for HOTP, the counter moves past the accepted value.
 * Both steps are atomic, so of two requests with one code exactly one succeeds.
 *
 * A `pending` factor (an enrollment, not yet in the FactorStore) spends an HOTP code in the
 * StateStore instead, and its `counter` is moved past the accepted value for the caller to store.
 */
export async function checkOtp(opts: OtpPorts, factor: OtpFactorRecord, code: string, ip?: string, pending = false): Promise<boolean> {
  const token = code.replace(/[\s-]/g, '');
  if (token.length !== factor.digits || !/^\d+$/.test(token)) return false;
  const secret = opts.keyRing.decrypt(factor.secret, otpSecretContext(factor.userId, factor.id));
  const common = { secret, token, algorithm: factor.algorithm, digits: factor.digits, crypto, base32 } as const;

  let spent: boolean;
  if (factor.kind === 'totp') {
    const window = opts.totp.window;
    const result = await verify({ ...common, period: factor.period, epoch: Math.floor(opts.clock.now() / 1000), epochTolerance: window * factor.period });
    if (!result.valid || !('timeStep' in result)) return false;
    const ttlMs = (2 * window + 2) * factor.period * 1000; // outlives every step still in the window
    spent = await opts.state.advance(stateKeys.usedStep(factor.userId, factor.id), result.timeStep, ttlMs);
  } else {
    const result = await verify({ ...common, strategy: 'hotp', counter: factor.counter, counterTolerance: opts.hotp.lookAhead });
    if (!result.valid) return false;
    const next = factor.counter + result.delta + 1;
    spent = pending
      ? await opts.state.advance(stateKeys.usedStep(factor.userId, factor.id), next, opts.enrollmentTtlMs)
      : await opts.factors.compareAndSetCounter(factor.userId, factor.id, factor.counter, next);
    if (spent && pending) factor.counter = next;
  }
  if (!spent) opts.emit({ type: 'replay.rejected', userId: factor.userId, factorId: factor.id, kind: factor.kind, at: opts.clock.now(), ip });
  return spent;
}
