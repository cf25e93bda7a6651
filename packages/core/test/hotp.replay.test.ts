// Threat: one HOTP code, presented several times at once (a replay racing the real user), wins more than once.
import { hotpCode } from '@mfakit/testing';
import { setup, unwrap } from './helpers';

const user = { id: 'alice' };

async function enrolledHotp(options = {}) {
  const h = setup(options);
  const started = unwrap(await h.mfa.startEnrollment({ user }, 'hotp'));
  unwrap(await h.mfa.confirmEnrollment({ user }, 'hotp', started.factorId, hotpCode(started.secret, 0)));
  return { h, ...started };
}

test.each([
  ['the default throttle', {}],
  ['a throttle that lets all 20 reach the counter', { throttle: { maxFailures: 100 } }],
])('20 concurrent uses of one HOTP code: exactly one wins (%s)', async (_name, options) => {
  const { h, secret, factorId } = await enrolledHotp(options);
  const code = hotpCode(secret, 3); // inside the look-ahead
  const results = await Promise.all(Array.from({ length: 20 }, () => h.mfa.verify({ user }, { code })));
  expect(results.filter((r) => r.ok)).toHaveLength(1);
  expect((await h.store.getFactor('alice', factorId))!.counter).toBe(4);
});

test('a used HOTP code is refused afterwards; the loser of a race is reported as replay.rejected', async () => {
  const { h, secret, factorId } = await enrolledHotp({ throttle: { maxFailures: 100 } });
  const code = hotpCode(secret, 1);
  unwrap(await h.mfa.verify({ user }, { code }));
  expect((await h.mfa.verify({ user }, { code })).ok).toBe(false); // now behind the counter
  const raced = await Promise.all([hotpCode(secret, 2), hotpCode(secret, 2)].map((c) => h.mfa.verify({ user }, { code: c })));
  expect(raced.filter((r) => r.ok)).toHaveLength(1);
  expect(h.events.filter((e) => e.type === 'replay.rejected')).toEqual([expect.objectContaining({ factorId, kind: 'hotp' })]);
});

test('concurrent confirmations of one pending HOTP enrollment: exactly one wins', async () => {
  const h = setup({ throttle: { maxFailures: 100 } });
  const started = unwrap(await h.mfa.startEnrollment({ user }, 'hotp'));
  const code = hotpCode(started.secret, 0);
  const results = await Promise.all(Array.from({ length: 20 }, () => h.mfa.confirmEnrollment({ user }, 'hotp', started.factorId, code)));
  expect(results.filter((r) => r.ok)).toHaveLength(1);
  expect(await h.store.listFactors('alice')).toHaveLength(1);
});
