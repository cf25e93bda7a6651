// Purpose: `pnpm mfakit` as an administrator runs it, a separate process on the demo's embedded PGlite folder: report, exempt, lift, rotate-keys, revoke, and a clear refusal while a demo holds the folder.
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { systemClock } from '@mfakit/core';
import { totpCode } from '@mfakit/testing';
import { demoSetup, openDemoStores } from '@mfakit/example-shared';

const SHARED = path.join(__dirname, '..');
const KEY_1 = `k1:${Buffer.alloc(32, 1).toString('base64')}`;
const KEY_2 = `k2:${Buffer.alloc(32, 2).toString('base64')}`;
const SILENT = { warn: () => undefined, error: () => undefined };

interface Report {
  users: { userId: string; enrolled: boolean; exempt: boolean; exemption: { reason: string; expiresAt: number; grantedBy: string } | null; factors: { kind: string }[] }[];
  totals: Record<string, number>;
}

let dataDir: string;
let secret: string;

/** Runs `node --import tsx src/cli.ts ...args` in examples/shared, as `pnpm mfakit` does. */
function mfakit(args: string[], keys = KEY_1): Promise<{ code: number; stdout: string; stderr: string }> {
  const env: NodeJS.ProcessEnv = { ...process.env, MFA_DATA_DIR: dataDir, JWT_SECRET: 'j'.repeat(32), MFA_ENCRYPTION_KEYS: keys };
  for (const name of ['DATABASE_URL', 'REDIS_URL', 'NODE_ENV', 'NODE_OPTIONS']) delete env[name];
  return new Promise((resolve) => {
    execFile(process.execPath, ['--import', 'tsx', 'src/cli.ts', ...args], { cwd: SHARED, env }, (err, stdout, stderr) => {
      resolve({ code: err ? ((err as { code?: unknown }).code as number) : 0, stdout, stderr });
    });
  });
}

async function report(): Promise<Report> {
  const ran = await mfakit(['report', '--format', 'json']);
  expect(ran).toMatchObject({ code: 0, stderr: '' });
  return JSON.parse(ran.stdout) as Report;
}

/** Opens the folder in this process, as the demo would, and runs `work` on the demo's mfa. */
async function withDemoStores<T>(keys: string, work: (mfa: ReturnType<typeof demoSetup>['mfa']) => Promise<T>): Promise<T> {
  const opened = await openDemoStores({ dataDir, encryptionKeys: keys }, SILENT);
  try {
    return await work(demoSetup({ stores: opened.stores, encryptionKeys: opened.encryptionKeys, logger: SILENT }).mfa);
  } finally {
    await opened.close();
  }
}

beforeAll(async () => {
  dataDir = mkdtempSync(path.join(tmpdir(), 'mfakit-cli-'));
  secret = await withDemoStores(KEY_1, async (mfa) => {
    const user = { id: 'alice' };
    const started = await mfa.startEnrollment({ user }, 'totp');
    if (!started.ok) throw new Error(started.problem.detail);
    const confirmed = await mfa.confirmEnrollment({ user }, 'totp', started.value.factorId, totpCode(started.value.secret, systemClock));
    if (!confirmed.ok) throw new Error(confirmed.problem.detail);
    return started.value.secret;
  });
}, 60_000);

afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

test('report --format json lists the demo users and the enrolled factor', async () => {
  const { users, totals } = await report();
  expect(users.map((u) => [u.userId, u.enrolled, u.exempt, u.factors.map((f) => f.kind)])).toEqual([
    ['admin', false, false, []],
    ['alice', true, false, ['totp']],
    ['bob', false, false, []],
    ['carol', false, false, []],
    ['svc-reports', false, true, []],
  ]);
  expect(totals).toEqual({ users: 5, required: 4, enrolled: 1, exempt: 1, missing: 3 });
}, 60_000);

test('exempt with a reason and an end shows in the report; --lift ends it', async () => {
  const granted = await mfakit(['exempt', 'bob', '--reason', 'lost phone', '--until', '7d']);
  expect(granted).toMatchObject({ code: 0, stderr: '' });
  expect(granted.stdout).toMatch(/^bob is exempt from MFA until \d{4}-\d\d-\d\dT[\d:.]+Z \(reason: lost phone; granted by cli:.+\)\.\n$/);
  const bob = (await report()).users.find((u) => u.userId === 'bob');
  expect(bob).toMatchObject({ exempt: true, exemption: { reason: 'lost phone', grantedBy: expect.stringMatching(/^cli:/) } });

  expect(await mfakit(['exempt', 'bob', '--lift'])).toEqual({ code: 0, stdout: 'Lifted the exemption of bob: MFA applies to them again.\n', stderr: '' });
  expect((await report()).users.find((u) => u.userId === 'bob')).toMatchObject({ exempt: false, exemption: null });
}, 60_000);

test('a missing flag or unknown command exits with code 2 and a message', async () => {
  const missing = await mfakit(['exempt', 'bob', '--reason', 'lost phone']);
  expect(missing).toMatchObject({ code: 2, stdout: '' });
  expect(missing.stderr).toContain('exempt needs --until <time>');
  expect(await mfakit(['bogus'])).toEqual({ code: 2, stdout: '', stderr: 'mfakit: unknown command "bogus". Run mfakit --help for the commands.\n' });
}, 60_000);

test('rotate-keys after a new key is put first re-encrypts the secret, which then opens under the new key alone', async () => {
  expect(await mfakit(['rotate-keys'], `${KEY_2},${KEY_1}`)).toEqual({ code: 0, stdout: 'Rotated 1/1 secrets to key k2.\n', stderr: '' });
  const verified = await withDemoStores(KEY_2, (mfa) => mfa.verify({ user: { id: 'alice' } }, { code: totpCode(secret, systemClock, { offsetSteps: 1 }) }));
  expect(verified.ok).toBe(true);
}, 60_000);

test('while a demo holds the folder, the command refuses and says to stop it or use the fleet variables; help still works', async () => {
  const opened = await openDemoStores({ dataDir, encryptionKeys: KEY_2 }, SILENT); // this process plays the running demo
  try {
    const refused = await mfakit(['report']);
    expect(refused).toMatchObject({ code: 1, stdout: '' });
    expect(refused.stderr).toContain(`a demo (pid ${process.pid}) is running on the embedded database in ${dataDir}`);
    expect(refused.stderr).toContain('Stop the demo');
    expect(refused.stderr).toContain('DATABASE_URL, REDIS_URL and MFA_ENCRYPTION_KEYS');
    const help = await mfakit(['--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/^Usage: mfakit <command>/);
  } finally {
    await opened.close();
  }
}, 60_000);

test('revoke removes the factor, and the report shows alice unenrolled', async () => {
  expect(await mfakit(['revoke', 'alice'], `${KEY_2},${KEY_1}`)).toEqual({
    code: 0,
    stdout: 'Revoked alice: removed 1 factor and the recovery codes, and ended every MFA session. alice must enroll again.\n',
    stderr: '',
  });
  expect((await report()).users.find((u) => u.userId === 'alice')).toMatchObject({ enrolled: false, factors: [] });
}, 60_000);
