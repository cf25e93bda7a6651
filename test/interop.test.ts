/**
 * Threat: an enrollment that only mfakit itself can read. If the QR code did not hold the
 * otpauth URI, or the codes were computed in a way only our own helpers agree with, real
 * authenticator apps and hardware tokens would fail. Independent tools decide here: zbarimg
 * (zbar-tools) reads the QR code, oathtool (RFC 4226/6238 reference implementation from
 * oath-toolkit) makes the codes. Runs on the real clock: this is an interop test, not a timing test.
 *
 * Needs the apt packages `oathtool` and `zbar-tools` (`.ci/run` installs them).
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import request from 'supertest';
import { expectProblem, makeHarness } from '../packages/express/test/helpers';

const INSTALL_HINT = 'install the apt packages oathtool and zbar-tools: apt-get update && apt-get install -y oathtool zbar-tools';

/** Runs an external tool and returns its trimmed output; a missing tool fails with the apt hint. */
function run(tool: string, args: string[]): string {
  const result = spawnSync(tool, args, { encoding: 'utf8' });
  if ((result.error as NodeJS.ErrnoException | undefined)?.code === 'ENOENT') {
    throw new Error(`${tool} is not installed; the interop tests need it. ${INSTALL_HINT}`);
  }
  if (result.error) throw result.error;
  if (result.status !== 0) throw new Error(`${tool} ${args.join(' ')} exited with ${result.status}: ${result.stderr}`);
  return result.stdout.trim();
}

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'mfakit-interop-'));
});
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

/** Writes a `data:image/png;base64,` URL to a file and decodes it with zbarimg. */
function decodeQr(dataUrl: string, name: string): string {
  const prefix = 'data:image/png;base64,';
  expect(dataUrl.startsWith(prefix)).toBe(true);
  const file = join(dir, `${name}.png`);
  writeFileSync(file, Buffer.from(dataUrl.slice(prefix.length), 'base64'));
  return run('zbarimg', ['--raw', '-q', '--nodbus', file]);
}

describe('interop with oathtool and zbarimg', () => {
  test('the independent tools are installed', () => {
    expect(run('oathtool', ['--version'])).toMatch(/oathtool/);
    expect(run('zbarimg', ['--version'])).toMatch(/\d+\.\d+/);
  });

  test('TOTP: zbarimg reads otpauthUrl from the QR code; an oathtool code confirms the factor', async () => {
    const h = makeHarness({ clock: null });
    const started = await request(h.app).post('/mfa/totp').set('X-Test-User', 'alice@example.com').expect(201);
    const { factorId, secret, otpauthUrl, qrCode } = started.body as { factorId: string; secret: string; otpauthUrl: string; qrCode: string };
    expect(otpauthUrl).toMatch(/^otpauth:\/\/totp\//);
    expect(decodeQr(qrCode, 'totp')).toBe(otpauthUrl);
    // What an app scanning the code reads is the secret the server keeps.
    expect(new URL(otpauthUrl).searchParams.get('secret')).toBe(secret);

    const code = run('oathtool', ['--totp', '-b', secret]);
    expect(code).toMatch(/^\d{6}$/);
    const confirmed = await request(h.app).post(`/mfa/totp/${factorId}/confirm`).set('X-Test-User', 'alice@example.com').send({ code });
    expect({ status: confirmed.status, problem: confirmed.body.code }).toEqual({ status: 200, problem: undefined });
    await request(h.app).get('/protected').set('X-Test-User', 'alice@example.com').set('X-Session-Token', confirmed.body.session.sessionToken).expect(200);

    // The same oathtool code a second time is a replay.
    expectProblem(await request(h.app).post('/mfa/verify').set('X-Test-User', 'alice@example.com').send({ code }), 401, 'mfa_invalid_code');
  });

  test('HOTP: zbarimg reads the hotp URI; oathtool counter 0 confirms, counter 1 verifies once', async () => {
    const h = makeHarness({ clock: null });
    const started = await request(h.app).post('/mfa/hotp').set('X-Test-User', 'bob').expect(201);
    const { factorId, secret, otpauthUrl, qrCode } = started.body as { factorId: string; secret: string; otpauthUrl: string; qrCode: string };
    expect(otpauthUrl).toMatch(/^otpauth:\/\/hotp\/.*[?&]counter=0(&|$)/);
    expect(decodeQr(qrCode, 'hotp')).toBe(otpauthUrl);

    // `-c` sets the counter (a second positional argument would be an OTP for oathtool to validate).
    const first = run('oathtool', ['-b', '-c', '0', secret]);
    expect(first).toMatch(/^\d{6}$/);
    const confirmed = await request(h.app).post(`/mfa/hotp/${factorId}/confirm`).set('X-Test-User', 'bob').send({ code: first });
    expect({ status: confirmed.status, problem: confirmed.body.code }).toEqual({ status: 200, problem: undefined });
    expect(confirmed.body.factor.kind).toBe('hotp');

    const second = run('oathtool', ['-b', '-c', '1', secret]);
    const verified = await request(h.app).post('/mfa/verify').set('X-Test-User', 'bob').send({ code: second }).expect(200);
    expect(verified.body).toMatchObject({ amr: ['otp'], factorId });
    expectProblem(await request(h.app).post('/mfa/verify').set('X-Test-User', 'bob').send({ code: second }), 401, 'mfa_invalid_code');
    expectProblem(await request(h.app).post('/mfa/verify').set('X-Test-User', 'bob').send({ code: first }), 401, 'mfa_invalid_code');
  });
});
