// HOTP (RFC 4226): enrollment, the look-ahead window, the counter moving on success, and codes
// behind the counter refused.
import { hotpCode } from '@mfakit/testing';
import { codeOf, type Harness, setup, unwrap } from './helpers';

const user = { id: 'alice' };

async function enrollHotp(h: Harness) {
  const started = unwrap(await h.mfa.startEnrollment({ user }, 'hotp'));
  expect(new URL(started.otpauthUrl).host).toBe('hotp');
  expect(new URL(started.otpauthUrl).searchParams.get('counter')).toBe('0');
  const confirmed = unwrap(await h.mfa.confirmEnrollment({ user }, 'hotp', started.factorId, hotpCode(started.secret, 0)));
  return { ...started, confirmed };
}

const counterOf = async (h: Harness, factorId: string) => (await h.store.getFactor('alice', factorId))!.counter;

test('enrollment confirms with the code for counter 0 and stores the counter past it', async () => {
  const h = setup();
  const { factorId, confirmed } = await enrollHotp(h);
  expect(confirmed.factor.kind).toBe('hotp');
  expect(await counterOf(h, factorId)).toBe(1);
});

test('enrollment confirmation is single-use and throttled like verification', async () => {
  const h = setup();
  const started = unwrap(await h.mfa.startEnrollment({ user }, 'hotp'));
  const code = hotpCode(started.secret, 0);
  const results = await Promise.all([1, 2, 3].map(() => h.mfa.confirmEnrollment({ user }, 'hotp', started.factorId, code)));
  expect(results.filter((r) => r.ok)).toHaveLength(1);
});

test('the counter advances on success; the same code and codes behind it are refused', async () => {
  const h = setup({ throttle: { maxFailures: 100 } });
  const { factorId, secret } = await enrollHotp(h);
  unwrap(await h.mfa.verify({ user }, { code: hotpCode(secret, 1) }));
  expect(await counterOf(h, factorId)).toBe(2);
  expect(codeOf(await h.mfa.verify({ user }, { code: hotpCode(secret, 1) }))).toBe('mfa_invalid_code');
  expect(codeOf(await h.mfa.verify({ user }, { code: hotpCode(secret, 0) }))).toBe('mfa_invalid_code');
  expect(await counterOf(h, factorId)).toBe(2);
});

test('look-ahead: a code up to lookAhead ahead resynchronises; one further is refused', async () => {
  const h = setup({ hotp: { lookAhead: 5 }, throttle: { maxFailures: 100 } });
  const { factorId, secret } = await enrollHotp(h); // counter 1
  expect(codeOf(await h.mfa.verify({ user }, { code: hotpCode(secret, 7) }))).toBe('mfa_invalid_code');
  expect(await counterOf(h, factorId)).toBe(1);
  unwrap(await h.mfa.verify({ user }, { code: hotpCode(secret, 6) }));
  expect(await counterOf(h, factorId)).toBe(7);
  expect(codeOf(await h.mfa.verify({ user }, { code: hotpCode(secret, 4) }))).toBe('mfa_invalid_code');
  unwrap(await h.mfa.verify({ user }, { code: hotpCode(secret, 7) }));
});

test('the default look-ahead is 10', async () => {
  const h = setup({ throttle: { maxFailures: 100 } });
  const { secret } = await enrollHotp(h); // counter 1
  expect(codeOf(await h.mfa.verify({ user }, { code: hotpCode(secret, 12) }))).toBe('mfa_invalid_code');
  unwrap(await h.mfa.verify({ user }, { code: hotpCode(secret, 11) }));
});
