/**
 * Threat: a demo started with unusable settings (a step-up window of zero, a passkey origin
 * outside the relying party, a key too short to encrypt with) that runs anyway and fails, or
 * fails open, on the first request. Each is refused when the demo is built.
 */
import { MfaError } from '@mfakit/core';
import type { DemoFactory } from './types';
import { startDemo } from './lib/harness';

export function describeStartup(makeDemo: DemoFactory): void {
  describe('unusable options are refused at start-up', () => {
    test.each([0, -1, 1.5, 86_401])('freshMaxAgeSeconds %p: RangeError', async (value) => {
      await expect(startDemo(makeDemo, { freshMaxAgeSeconds: value })).rejects.toThrow(RangeError);
    });

    test('a WebAuthn origin that is not on the RP id: mfakit invalid_option', async () => {
      const attempt = startDemo(makeDemo, { webauthn: { rpID: 'localhost', origins: ['http://127.0.0.1:3000'] } });
      await expect(attempt).rejects.toMatchObject({ code: 'invalid_option' });
    });

    test('malformed encryption keys: MfaError invalid_option', async () => {
      const attempt = startDemo(makeDemo, { encryptionKeys: 'k1:dG9vIHNob3J0' });
      await expect(attempt).rejects.toThrow(MfaError);
      await expect(attempt).rejects.toMatchObject({ code: 'invalid_option' });
    });
  });
}
