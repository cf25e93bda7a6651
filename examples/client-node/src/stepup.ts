// A Node.js client of the mfakit demo that answers a step-up in the terminal:
// `pnpm exec tsx examples/client-node/src/stepup.ts [--url ...] [--user ...] [--password ...]`.
import { createInterface } from 'node:readline/promises';
import type { Readable, Writable } from 'node:stream';
import { parseArgs } from 'node:util';
import { createMfaFetch, MfaClientError, type MfaPrompt } from '@mfakit/client';

/** What {@link runStepUp} needs: where the demo runs, who signs in, the transfer, and the terminal. */
export interface StepUpOptions {
  /** The demo's URL. */
  url: string;
  user: string;
  password: string;
  /** The transfer to make: `POST /api/transfers {"amount", "to"}`. */
  amount: number;
  to: string;
  /** Where the person types (process.stdin). */
  input: Readable;
  /** Where the questions and the result go (process.stdout). */
  output: Writable;
}

const USAGE = `Usage: pnpm exec tsx examples/client-node/src/stepup.ts [--url <demo URL>] [--user <name>] [--password <password>] [--amount <number>] [--to <name>]
  --url       the running demo (MFAKIT_URL)         default http://localhost:3000
  --user      who signs in (MFAKIT_USER)            default alice
  --password  their password (MFAKIT_PASSWORD)      default <user>-password
  --amount    the transfer's amount                 default 25
  --to        its recipient                         default bob
`;

/** A six- or eight-digit code of an app or token; anything else is taken for a recovery code. */
const OTP = /^[0-9]{6,8}$/;

/**
 * Signs in to the demo, sends `POST /api/transfers` through `createMfaFetch`, and when the API
 * asks for a step-up, asks the person in the terminal for a code of their authenticator app (or
 * a recovery code; an empty line cancels). Prints the answer; resolves with the exit code.
 *
 * @example
 * const exitCode = await runStepUp({ url: 'http://localhost:3000', user: 'alice', password: 'alice-password', amount: 25, to: 'bob', input: process.stdin, output: process.stdout });
 */
export async function runStepUp(options: StepUpOptions): Promise<number> {
  const { url, output } = options;
  const say = (line: string) => output.write(`${line}\n`);
  const login = await fetch(`${url}/auth/login`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ username: options.user, password: options.password }),
  });
  if (!login.ok) {
    say(`Sign-in as ${options.user} failed: ${login.status} ${await login.text()}`);
    return 1;
  }
  const { accessToken } = (await login.json()) as { accessToken: string };
  say(`Signed in as ${options.user}.`);

  // Lines are read as they come (typed, or piped in before the question is asked).
  const terminal = createInterface({ input: options.input, output, terminal: false });
  const lines = terminal[Symbol.asyncIterator]();
  const ask = async (question: string) => {
    output.write(question);
    const line = await lines.next();
    if (!line.done) return line.value.trim();
    output.write('\n'); // the input ended: no answer
    return '';
  };

  const prompt: MfaPrompt = async (challenge, { attempt, error, factors }) => {
    if (attempt === 1) say(`The API asks for a step-up: ${challenge.description ?? challenge.problem?.detail ?? 'prove a second factor'}`);
    else say(`Not accepted (${error?.code}): ${error?.detail ?? 'try again'}`);
    const apps = factors?.filter((factor) => factor.kind === 'totp' || factor.kind === 'hotp').map((factor) => factor.label);
    if (apps?.length) say(`Your authenticator apps: ${apps.join(', ')}`);
    const answer = await ask(`Code (or a recovery code; empty to cancel), attempt ${attempt}: `);
    if (answer === '') return null;
    return OTP.test(answer) ? { code: answer } : { recoveryCode: answer };
  };

  const mfaFetch = createMfaFetch({ base: `${url}/mfa`, headers: { Authorization: `Bearer ${accessToken}` }, prompt });
  try {
    const res = await mfaFetch(`${url}/api/transfers`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${accessToken}`, 'Content-Type': 'application/json' },
      body: JSON.stringify({ amount: options.amount, to: options.to }),
    });
    say(`POST /api/transfers: ${res.status}`);
    say(JSON.stringify(await res.json(), null, 2));
    return res.ok ? 0 : 1;
  } catch (err) {
    if (!(err instanceof MfaClientError)) throw err;
    if (err.code === 'cancelled') {
      say('Cancelled: no transfer was made.');
      return 1;
    }
    say(`Step-up failed: ${err.code}${err.detail ? `: ${err.detail}` : ''}${err.retryAfter === undefined ? '' : ` (try again in ${err.retryAfter} s)`}`);
    return 1;
  } finally {
    terminal.close();
  }
}

/** The options from the command line, then the environment, then the defaults; null for `--help`. Throws a TypeError for an unknown option or a malformed amount. */
export function optionsFromArgs(argv: string[], env: NodeJS.ProcessEnv): Omit<StepUpOptions, 'input' | 'output'> | null {
  const { values } = parseArgs({
    args: argv,
    options: { url: { type: 'string' }, user: { type: 'string' }, password: { type: 'string' }, amount: { type: 'string' }, to: { type: 'string' }, help: { type: 'boolean', short: 'h' } },
  });
  if (values.help) return null;
  const amount = Number(values.amount ?? 25);
  if (!Number.isFinite(amount)) throw new TypeError(`--amount must be a number, got ${JSON.stringify(values.amount)}`);
  const user = values.user ?? env.MFAKIT_USER ?? 'alice';
  const url = (values.url ?? env.MFAKIT_URL ?? 'http://localhost:3000').replace(/\/+$/, '');
  return { url, user, password: values.password ?? env.MFAKIT_PASSWORD ?? `${user}-password`, amount, to: values.to ?? 'bob' };
}

/** `pnpm exec tsx examples/client-node/src/stepup.ts`: the options from argv and the environment, the terminal of the process. */
async function main(): Promise<number> {
  let options: ReturnType<typeof optionsFromArgs>;
  try {
    options = optionsFromArgs(process.argv.slice(2), process.env);
  } catch (err) {
    process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n${USAGE}`);
    return 2;
  }
  if (!options) {
    process.stdout.write(USAGE);
    return 0;
  }
  return runStepUp({ ...options, input: process.stdin, output: process.stdout });
}

if (require.main === module) {
  main().then(
    (code) => {
      process.exitCode = code;
    },
    (err: unknown) => {
      console.error(err);
      process.exitCode = 1;
    },
  );
}
