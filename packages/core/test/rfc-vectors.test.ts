// The standards' own vectors (RFC 4226 Appendix D, RFC 6238 Appendix B) through mfakit's real
// verification path: a factor record whose secret the KeyRing encrypted, checked by checkOtp.
import { otpSecretContext } from '../src/totp/otp';
import type { OtpAlgorithm, OtpFactorRecord } from '@mfakit/core/store';
import { base32OfAscii, FakeClock, RFC4226_SEED, RFC4226_VECTORS, RFC6238_SEEDS, RFC6238_VECTORS } from '@mfakit/testing';
import { checkOtp } from '../src/totp/otp';
import { setup } from './helpers';
import { contextOf } from '../src/createMfa';

/** The same code with its last digit moved by one: a near miss that must be refused. */
const neighbour = (code: string) => code.slice(0, -1) + String((Number(code.at(-1)) + 1) % 10);

function factorFor(h: ReturnType<typeof setup>, id: string, kind: 'totp' | 'hotp', seed: string, algorithm: OtpAlgorithm, digits: 6 | 8, counter = 0): OtpFactorRecord {
  const userId = 'rfc';
  const secret = contextOf(h.mfa).keyRing.encrypt(base32OfAscii(seed), otpSecretContext(userId, id));
  return { id, userId, kind, label: 'RFC', createdAt: 0, secret, algorithm, digits, period: 30, counter };
}

describe('RFC 6238 Appendix B (TOTP)', () => {
  test('seeds are 20, 32 and 64 bytes', () => {
    expect(Object.values(RFC6238_SEEDS).map((s) => Buffer.byteLength(s))).toEqual([20, 32, 64]);
    expect(RFC6238_VECTORS).toHaveLength(18);
  });

  test.each(RFC6238_VECTORS.map((v) => [v.algorithm, v.time, v.code, v] as const))('%s at T=%i accepts %s, refuses its neighbour', async (_a, _t, _c, v) => {
    const clock = new FakeClock(v.time * 1000);
    const h = setup({ totp: { window: 0 } }, clock);
    const factor = factorFor(h, `fac_${v.algorithm}_${v.time}`, 'totp', v.seed, v.algorithm, 8);
    await expect(checkOtp(contextOf(h.mfa), factor, neighbour(v.code))).resolves.toBe(false);
    await expect(checkOtp(contextOf(h.mfa), factor, v.code)).resolves.toBe(true);
    await expect(checkOtp(contextOf(h.mfa), factor, v.code)).resolves.toBe(false); // spent
  });

  test('a vector code is refused at another time step', async () => {
    const v = RFC6238_VECTORS[3]!;
    const h = setup({ totp: { window: 0 } }, new FakeClock((v.time + 30) * 1000));
    const factor = factorFor(h, 'fac_later', 'totp', v.seed, v.algorithm, 8);
    await expect(checkOtp(contextOf(h.mfa), factor, v.code)).resolves.toBe(false);
  });
});

describe('RFC 4226 Appendix D (HOTP)', () => {
  test.each(RFC4226_VECTORS.map((v) => [v.counter, v.code] as const))('counter %i accepts %s, refuses its neighbour', async (counter, code) => {
    const h = setup({ hotp: { lookAhead: 0 } });
    const factor = factorFor(h, `fac_hotp_${counter}`, 'hotp', RFC4226_SEED, 'sha1', 6, counter);
    await h.store.createFactor(factor);
    await expect(checkOtp(contextOf(h.mfa), factor, neighbour(code))).resolves.toBe(false);
    await expect(checkOtp(contextOf(h.mfa), factor, code)).resolves.toBe(true);
    expect((await h.store.getFactor('rfc', factor.id))?.counter).toBe(counter + 1);
  });

  test('the whole sequence verifies in order, each value once', async () => {
    const h = setup({ hotp: { lookAhead: 0 } });
    await h.store.createFactor(factorFor(h, 'fac_seq', 'hotp', RFC4226_SEED, 'sha1', 6));
    for (const { code } of RFC4226_VECTORS) {
      const factor = (await h.store.getFactor('rfc', 'fac_seq')) as OtpFactorRecord;
      await expect(checkOtp(contextOf(h.mfa), factor, code)).resolves.toBe(true);
      const after = (await h.store.getFactor('rfc', 'fac_seq')) as OtpFactorRecord;
      await expect(checkOtp(contextOf(h.mfa), after, code)).resolves.toBe(false);
    }
  });
});
