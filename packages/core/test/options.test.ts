// createMfa validates every option once, at construction, and throws MfaError with a stable code.
import { createMfa, MfaError, type MfaOptions } from '@mfakit/core';
import { KEY_1 } from './helpers';
import { contextOf } from '../src/createMfa';

const base: MfaOptions = { issuer: 'Acme', encryptionKeys: [KEY_1], logger: { warn: () => {}, error: () => {} } };

function errorOf(options: unknown): MfaError {
  try {
    createMfa(options as MfaOptions);
  } catch (err) {
    expect(err).toBeInstanceOf(MfaError);
    return err as MfaError;
  }
  throw new Error('createMfa accepted the options');
}

test('a minimal configuration fills in the documented defaults', () => {
  const options = contextOf(createMfa(base));
  expect(options.totp).toEqual({ algorithm: 'sha1', digits: 6, period: 30, window: 1 });
  expect(options.hotp.lookAhead).toBe(10);
  expect(options.session).toEqual({ lifetimeMs: 12 * 3600_000, idleTimeoutMs: 30 * 60_000 });
  expect(options.throttle).toEqual({
    maxFailures: 3,
    windowMs: 300_000,
    backoffMs: [30_000, 60_000, 120_000, 300_000],
    maxConsecutiveFailures: 50,
    perAddress: { maxFailures: 100, windowMs: 900_000 },
  });
  expect(options.enrollmentTtlMs).toBe(600_000);
});

test.each([
  ['period over 120 s', { totp: { period: 121 } }],
  ['period under 15 s', { totp: { period: 10 } }],
  ['fractional period', { totp: { period: 30.5 } }],
  ['7 digits', { totp: { digits: 7 } }],
  ['4 digits', { totp: { digits: 4 } }],
  ['algorithm md5', { totp: { algorithm: 'md5' } }],
  ['window too wide', { totp: { window: 6 } }],
  ['missing issuer', { issuer: undefined }],
  ['empty issuer', { issuer: '' }],
  ['blank issuer', { issuer: '   ' }],
  ['issuer with a colon', { issuer: 'Acme:Corp' }],
  ['unparsable duration', { session: { lifetime: '12x' } }],
  ['negative duration', { session: { idleTimeout: -5 } }],
  ['duration under a second', { enrollmentTtl: '0.5s' }],
  ['duration of the wrong type', { throttle: { window: { minutes: 5 } } }],
  ['bad fresh-proof age', { freshProofMaxAge: 'soon' }],
  ['empty backoff', { throttle: { backoff: [] } }],
  ['bad backoff step', { throttle: { backoff: ['30s', 'later'] } }],
  ['a backoff step of zero (a lock that never holds)', { throttle: { backoff: ['0s'] } }],
  ['a fresh-proof age of zero', { freshProofMaxAge: 0 }],
  ['maxFailures 0', { throttle: { maxFailures: 0 } }],
  ['maxFailures over the NIST cap', { throttle: { maxFailures: 101 } }],
  ['onEvent not a function', { onEvent: 'log' }],
  ['short encryption key', { encryptionKeys: [{ id: 'k1', key: Buffer.alloc(16) }] }],
  ['bad key id', { encryptionKeys: [{ id: 'k 1', key: Buffer.alloc(32) }] }],
  ['duplicate key ids', { encryptionKeys: [KEY_1, KEY_1] }],
  ['keys of the wrong type', { encryptionKeys: 42 }],
])('%s -> invalid_option', (_name, override) => {
  expect(errorOf({ ...base, ...override }).code).toBe('invalid_option');
});

test('a missing options object -> invalid_option', () => {
  expect(errorOf(undefined).code).toBe('invalid_option');
});

test('the error names the offending option and has the class name', () => {
  const err = errorOf({ ...base, totp: { period: 300 } });
  expect(err.name).toBe('MfaError');
  expect(err.message).toContain('totp.period');
});

describe('encryption keys by environment', () => {
  const original = process.env.NODE_ENV;
  afterEach(() => {
    process.env.NODE_ENV = original;
  });

  test('NODE_ENV=production without keys -> encryption_key_required', () => {
    process.env.NODE_ENV = 'production';
    expect(errorOf({ issuer: 'Acme' }).code).toBe('encryption_key_required');
    expect(errorOf({ issuer: 'Acme', encryptionKeys: '' }).code).toBe('encryption_key_required');
    expect(() => createMfa({ issuer: 'Acme', encryptionKeys: [KEY_1] })).not.toThrow();
  });

  test('development without keys warns through the logger and still works', () => {
    process.env.NODE_ENV = 'development';
    const warnings: string[] = [];
    const mfa = createMfa({ issuer: 'Acme', logger: { warn: (m) => warnings.push(m), error: () => {} } });
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/EPHEMERAL/);
    expect(contextOf(mfa).keyRing.currentId).toBe('ephemeral');
  });

  test('no warning when keys are given', () => {
    const warn = jest.fn();
    createMfa({ issuer: 'Acme', encryptionKeys: `k1:${Buffer.alloc(32, 9).toString('base64')}`, logger: { warn, error: () => {} } });
    expect(warn).not.toHaveBeenCalled();
  });
});
