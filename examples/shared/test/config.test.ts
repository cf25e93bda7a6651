// Threat: a demo started outside development with its public JWT secret or with a typo in its
// settings, and nobody notices. Every demo's server.ts reads the environment through
// configFromEnv, which warns about the development default, refuses it in production, and
// refuses bad numbers. (What the demos themselves refuse at start-up is in the HTTP contract.)
import path from 'node:path';
import { configFromEnv, DEVELOPMENT_JWT_SECRET } from '@mfakit/example-shared';

const SECRET = 's'.repeat(32);

test('defaults: port 3000, five-minute step-up, no encryption keys, passkeys on localhost', () => {
  expect(configFromEnv({ JWT_SECRET: SECRET }, () => {})).toEqual({ port: 3000, jwtSecret: SECRET, freshMaxAgeSeconds: 300, webauthn: { rpID: 'localhost' } });
});

test('PORT, MFA_FRESH_MAX_AGE and MFA_ENCRYPTION_KEYS are read', () => {
  const env = { JWT_SECRET: SECRET, PORT: '3123', MFA_FRESH_MAX_AGE: '60', MFA_ENCRYPTION_KEYS: `k1:${Buffer.alloc(32, 1).toString('base64')}` };
  expect(configFromEnv(env, () => {})).toEqual({ port: 3123, jwtSecret: SECRET, freshMaxAgeSeconds: 60, encryptionKeys: env.MFA_ENCRYPTION_KEYS, webauthn: { rpID: 'localhost' } });
});

test('WEBAUTHN_RP_ID and WEBAUTHN_ORIGINS (comma-separated) are read', () => {
  const env = { JWT_SECRET: SECRET, WEBAUTHN_RP_ID: 'example.com', WEBAUTHN_ORIGINS: 'https://app.example.com, https://example.com,' };
  expect(configFromEnv(env, () => {}).webauthn).toEqual({ rpID: 'example.com', origins: ['https://app.example.com', 'https://example.com'] });
});

test('a WEBAUTHN_RP_ID other than localhost needs WEBAUTHN_ORIGINS', () => {
  expect(() => configFromEnv({ JWT_SECRET: SECRET, WEBAUTHN_RP_ID: 'example.com' }, () => {})).toThrow(/^WEBAUTHN_ORIGINS is required/);
});

test('without JWT_SECRET the development secret is used, with a warning', () => {
  const warnings: string[] = [];
  expect(configFromEnv({}, (m) => warnings.push(m)).jwtSecret).toBe(DEVELOPMENT_JWT_SECRET);
  expect(warnings).toEqual([expect.stringContaining('JWT_SECRET is not set')]);
});

test('without JWT_SECRET in production the demo refuses to start', () => {
  expect(() => configFromEnv({ NODE_ENV: 'production' }, () => {})).toThrow(/JWT_SECRET is required/);
});

const KEYS = `k1:${Buffer.alloc(32, 1).toString('base64')}`;

test('REDIS_URL, DATABASE_URL and MFA_DATA_DIR (made absolute) are read', () => {
  const env = { JWT_SECRET: SECRET, MFA_ENCRYPTION_KEYS: KEYS, REDIS_URL: 'redis://cache:6379', DATABASE_URL: 'postgres://db/mfa', MFA_DATA_DIR: 'data' };
  expect(configFromEnv(env, () => {})).toMatchObject({ redisUrl: 'redis://cache:6379', databaseUrl: 'postgres://db/mfa', dataDir: path.resolve('data') });
});

test('DATABASE_URL needs MFA_ENCRYPTION_KEYS: every instance must read the same secrets', () => {
  expect(() => configFromEnv({ JWT_SECRET: SECRET, REDIS_URL: 'redis://cache', DATABASE_URL: 'postgres://db/mfa' }, () => {})).toThrow(/^MFA_ENCRYPTION_KEYS is required with DATABASE_URL/);
});

test('production needs MFA_ENCRYPTION_KEYS', () => {
  expect(() => configFromEnv({ JWT_SECRET: SECRET, NODE_ENV: 'production' }, () => {})).toThrow(/^MFA_ENCRYPTION_KEYS is required when NODE_ENV=production/);
});

test('DATABASE_URL without REDIS_URL starts, with a warning that this is not a fleet', () => {
  const warnings: string[] = [];
  configFromEnv({ JWT_SECRET: SECRET, MFA_ENCRYPTION_KEYS: KEYS, DATABASE_URL: 'postgres://db/mfa' }, (m) => warnings.push(m));
  expect(warnings).toEqual([expect.stringContaining('DATABASE_URL without REDIS_URL')]);
});

test('a short JWT_SECRET is used, with a warning', () => {
  const warnings: string[] = [];
  configFromEnv({ JWT_SECRET: 'short' }, (m) => warnings.push(m));
  expect(warnings).toEqual([expect.stringContaining('shorter than 32')]);
});

test.each([
  ['PORT', 'eighty'],
  ['PORT', '70000'],
  ['MFA_FRESH_MAX_AGE', '0'],
  ['MFA_FRESH_MAX_AGE', '5m'],
  ['MFA_FRESH_MAX_AGE', '-300'],
])('%s=%p is refused at start-up', (name, value) => {
  expect(() => configFromEnv({ JWT_SECRET: SECRET, [name]: value }, () => {})).toThrow(new RegExp(`^${name} must be an integer`));
});
