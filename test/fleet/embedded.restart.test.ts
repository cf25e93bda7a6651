/**
 * Threat: the demo's default, embedded store losing enrollments when the process restarts (every
 * user locked out, or silently unenrolled), or two processes writing one PGlite folder at once and
 * corrupting it. With no REDIS_URL and no DATABASE_URL, factors live in PGlite under MFA_DATA_DIR.
 */
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { systemClock } from '@mfakit/core';
import { totpCode } from '@mfakit/testing';
import { DemoInstance } from './harness';

let dataDir: string;
let env: NodeJS.ProcessEnv;

beforeAll(() => {
  dataDir = mkdtempSync(path.join(tmpdir(), 'mfakit-demo-data-'));
  env = { MFA_DATA_DIR: dataDir, JWT_SECRET: 'j'.repeat(32) };
});
afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

test('an enrollment survives a restart, and its codes still verify', async () => {
  const first = await DemoInstance.start('express', env);
  let enrolled: Awaited<ReturnType<DemoInstance['enrollTotp']>>;
  try {
    expect(first.output).toContain(`factors in PGlite at ${dataDir}, state in memory`);
    enrolled = await first.enrollTotp(await first.login('alice'));
  } finally {
    await first.stop();
  }

  const second = await DemoInstance.start('express', env);
  try {
    const token = await second.login('alice');
    const status = await second.send('GET', '/mfa', { token });
    expect(status.body.factors).toEqual([expect.objectContaining({ id: enrolled.factorId, kind: 'totp' })]);
    expect(status.body.session).toBeNull(); // sessions are state: in memory, gone with the process
    const verified = await second.send('POST', '/mfa/verify', { token, body: { code: totpCode(enrolled.secret, systemClock, { offsetSteps: 1 }) } });
    expect(verified.status).toBe(200);
  } finally {
    await second.stop();
  }
}, 120_000);

test('without MFA_ENCRYPTION_KEYS the development key is made once, kept private, and reused', async () => {
  const ownEnv = { ...env, MFA_DATA_DIR: path.join(dataDir, 'key-test') };
  const keyFile = path.join(ownEnv.MFA_DATA_DIR, 'encryption-key');
  await (await DemoInstance.start('express', ownEnv)).stop();
  const key = readFileSync(keyFile, 'utf8');
  expect(key).toMatch(/^dev:[A-Za-z0-9+/]{43}=$/);
  expect(statSync(keyFile).mode & 0o077).toBe(0);
  await (await DemoInstance.start('express', ownEnv)).stop();
  expect(readFileSync(keyFile, 'utf8')).toBe(key);
}, 60_000);

test('a second demo on the same data folder refuses to start, naming the way out', async () => {
  const first = await DemoInstance.start('express', env);
  try {
    await expect(DemoInstance.start('koa', env)).rejects.toThrow(/another process \(pid \d+\) is using .*set MFA_DATA_DIR/);
  } finally {
    await first.stop();
  }
  const after = await DemoInstance.start('koa', env); // the lock went with the first process
  await after.stop();
}, 120_000);
