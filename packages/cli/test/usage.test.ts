// Purpose: help goes to stdout with exit code 0; an unknown command or a bad flag goes to stderr with exit code 2 and changes nothing.
import { USAGE } from '@mfakit/cli';
import { setup } from './helpers';

test.each([[[]], [['help']], [['--help']], [['-h']], [['report', '--help']], [['exempt', 'bob', '-h']]])('%j prints the usage', async (argv) => {
  expect(await setup().run(argv)).toEqual({ code: 0, out: USAGE, err: '' });
});

test('the usage names every command and its flags', () => {
  for (const text of ['report [--format table|json|csv]', 'revoke <userId>', 'unlock <userId>', 'exempt <userId> --reason <text> --until <time>', 'exempt <userId> --lift', 'rotate-keys', 'help']) {
    expect(USAGE).toContain(text);
  }
});

test.each([[['rotate']], [['REPORT']], [['--format', 'json']], [['toString']], [['__proto__']]])('%j is an unknown command: exit code 2', async (argv) => {
  const { code, out, err } = await setup().run(argv);
  expect({ code, out }).toEqual({ code: 2, out: '' });
  expect(err).toBe(`mfakit: unknown command ${JSON.stringify(argv[0])}. Run mfakit --help for the commands.\n`);
});

test.each([[['report', '--verbose']], [['report', '-x']], [['rotate-keys', '--force']], [['revoke', 'alice', '--reason', 'x']]])('%j has a bad flag: exit code 2', async (argv) => {
  const { code, out, err } = await setup().run(argv);
  expect({ code, out }).toEqual({ code: 2, out: '' });
  expect(err).toMatch(/^mfakit [a-z-]+: Unknown option '-/);
  expect(err).toContain('Run mfakit --help for the usage.');
});

test('a store that fails is exit code 1 with the message on stderr', async () => {
  const h = setup();
  h.store.allFactors = () => {
    throw new Error('connection refused');
  };
  expect(await h.run(['report'])).toEqual({ code: 1, out: '', err: 'mfakit report failed: connection refused\n' });
});
