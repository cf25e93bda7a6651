/**
 * The terminal example driven as a person would: the demo of examples/express runs in this
 * process, the example signs in, meets the step-up of POST /api/transfers, and reads the code
 * "typed" on its input once it has asked for it.
 */
import { PassThrough } from 'node:stream';
import { totpCode, wrongCode } from '@mfakit/testing';
import { type Enrolled, type RunningDemo, startDemo } from '../../../packages/client/test/lib/demo';
import { optionsFromArgs, runStepUp } from '../src/stepup';

let demo: RunningDemo;
let alice: Enrolled;

beforeAll(async () => {
  demo = await startDemo();
  alice = await demo.enrollTotp('alice');
});

afterAll(async () => {
  await demo.close();
  expect(demo.errors).toEqual([]);
});

/** Runs the example, typing each answer when a question appears; resolves with the exit code and the transcript. */
async function session(answers: Array<() => string>, options: { user?: string; password?: string } = {}): Promise<{ exitCode: number; transcript: string }> {
  const input = new PassThrough();
  const output = new PassThrough();
  let transcript = '';
  let asked = 0;
  output.on('data', (chunk: Buffer) => {
    transcript += chunk.toString();
    const questions = transcript.split('Code (').length - 1;
    while (asked < questions) {
      const answer = answers[asked++];
      if (answer) input.write(`${answer()}\n`);
      else input.end();
    }
  });
  const user = options.user ?? 'alice';
  const exitCode = await runStepUp({ url: demo.origin, user, password: options.password ?? `${user}-password`, amount: 25, to: 'bob', input, output });
  return { exitCode, transcript };
}

test('the code typed in the terminal answers the step-up, and the transfer is made', async () => {
  const { exitCode, transcript } = await session([() => demo.nextCode(alice)]);
  expect(exitCode).toBe(0);
  expect(transcript).toContain('Signed in as alice.');
  expect(transcript).toContain('The API asks for a step-up: ');
  expect(transcript).toContain('Your authenticator apps: Authenticator app');
  expect(transcript).toContain('POST /api/transfers: 201');
  expect(transcript).toMatch(/"from": "alice",\s+"to": "bob",\s+"amount": 25/);
});

test('a wrong code is told and asked again; an empty line cancels', async () => {
  const wrong = await session([() => wrongCode(alice.secret, demo.clock), () => totpCode(alice.secret, demo.clock, { offsetSteps: 1 })]);
  expect(wrong.exitCode).toBe(0);
  expect(wrong.transcript).toContain('Not accepted (mfa_invalid_code)');
  expect(wrong.transcript).toContain('attempt 2: ');

  const cancelled = await session([() => '']);
  expect(cancelled.exitCode).toBe(1);
  expect(cancelled.transcript).toContain('Cancelled: no transfer was made.');
});

test('a recovery code is taken for one', async () => {
  demo.clock.advanceSeconds(60);
  const { exitCode, transcript } = await session([() => alice.recoveryCodes[0]!]);
  expect(exitCode).toBe(0);
  expect(transcript).toContain('POST /api/transfers: 201');
});

test('a wrong password ends at the sign-in', async () => {
  const { exitCode, transcript } = await session([], { password: 'nope' });
  expect(exitCode).toBe(1);
  expect(transcript).toContain('Sign-in as alice failed: 401');
});

test('the options: flags over the environment over the defaults', () => {
  expect(optionsFromArgs([], {})).toEqual({ url: 'http://localhost:3000', user: 'alice', password: 'alice-password', amount: 25, to: 'bob' });
  expect(optionsFromArgs(['--user', 'bob', '--amount', '7.5'], { MFAKIT_URL: 'http://localhost:3001/', MFAKIT_USER: 'carol' })).toEqual({
    url: 'http://localhost:3001',
    user: 'bob',
    password: 'bob-password',
    amount: 7.5,
    to: 'bob',
  });
  expect(optionsFromArgs(['--help'], {})).toBeNull();
  expect(() => optionsFromArgs(['--amount', 'lots'], {})).toThrow(TypeError);
  expect(() => optionsFromArgs(['--nope'], {})).toThrow(/Unknown option '--nope'/);
});
