import { createMfa, type Mfa } from '@mfakit/core';
import { TEST_ENCRYPTION_KEYS, TEST_RECOVERY_CODE_COST } from './contract/lib/harness';
import { decide } from './decide';
import { FakeClock } from './fakeClock';
import { totpCode } from './otp';
import type { SharedStores } from './lockRace';

const ONCE = { once: { bindBody: false }, maxAge: 300 };

/**
 * One step-up grant presented many times at once on two instances of a fleet sharing
 * `makeStores()`: exactly one request passes, whichever instance it reaches (the grant is spent
 * in one atomic read-and-delete).
 *
 * @param name - The stores' name, for the test titles.
 * @param makeStores - Fresh shared stores for one test.
 * @example
 * describeGrantRace('MemoryStore', (clock) => { const store = new MemoryStore({ clock }); return { factors: store, state: store }; });
 */
export function describeGrantRace(name: string, makeStores: (clock: FakeClock) => SharedStores | Promise<SharedStores>): void {
  describe(`one step-up grant across instances: ${name}`, () => {
    let stores: SharedStores | undefined;
    afterEach(async () => {
      await stores?.close?.();
      stores = undefined;
    });

    test('40 concurrent requests with one grant on two instances: exactly one passes', async () => {
      const clock = new FakeClock();
      stores = await makeStores(clock);
      const instance = (): Mfa =>
        createMfa({ issuer: 'Acme', clock, stores: { factors: stores!.factors, state: stores!.state }, encryptionKeys: TEST_ENCRYPTION_KEYS, recoveryCodeCost: TEST_RECOVERY_CODE_COST });
      const [a, b] = [instance(), instance()];
      const user = { id: 'alice' };
      const started = await a.startEnrollment({ user }, 'totp');
      if (!started.ok) throw new Error(started.problem.code);
      const confirmed = await a.confirmEnrollment({ user }, 'totp', started.value.factorId, totpCode(started.value.secret, clock));
      if (!confirmed.ok) throw new Error(confirmed.problem.code);
      clock.advance(30_000);
      const granted = await b.grant({ user }, { code: totpCode(started.value.secret, clock) }, { method: 'POST', path: '/api/payees' });
      if (!granted.ok) throw new Error(granted.problem.code);

      const request = { user, grant: granted.value.grant, target: { method: 'POST', path: '/api/payees' } };
      const decisions = await Promise.all(Array.from({ length: 40 }, (_, i) => decide(i % 2 ? a : b, request, ONCE)));
      expect(decisions.filter((d) => d.allow)).toHaveLength(1);
      for (const denied of decisions.filter((d) => !d.allow)) expect(denied).toMatchObject({ response: { status: 401, body: { code: 'mfa_grant_invalid' } } });
    });
  });
}
