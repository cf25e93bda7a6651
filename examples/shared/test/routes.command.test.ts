// Threat: an administrator who runs `pnpm mfakit routes` to find a forgotten guard and is shown a
// table that hides an open route, or nothing but a stack trace. The command prints every route of
// the chosen demo with its guard and how many routes nothing guards, opens no store (it works
// while the demo holds them), and refuses a wrong command line with exit code 2.
import { formatRoutes, type GuardedRoute } from '@mfakit/core/http';
import { mfakit } from '../src/cli';
import { ROUTE_FRAMEWORKS, type RouteFramework, type RouteTable, routesCommand } from '../src/routesCommand';

interface Ran {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs the command line in this process, as `pnpm mfakit` does, with its output captured. */
async function run(argv: string[], env: NodeJS.ProcessEnv = {}): Promise<Ran> {
  const ran = { stdout: '', stderr: '' };
  const code = await mfakit(argv, env, { stdout: (text) => (ran.stdout += text), stderr: (text) => (ran.stderr += text) });
  return { code, ...ran };
}

/** Tables for every framework: `given`, and for the others one that fails the test if it is used. */
function tables(given: Partial<Record<RouteFramework, RouteTable>>): Record<RouteFramework, RouteTable> {
  const unused: RouteTable = () => Promise.reject(new Error('the command built another demo than the one asked for'));
  return { express: unused, koa: unused, fastify: unused, nestjs: unused, ...given };
}

/** The table's rows as [method, path, guard], and the closing line. */
function parse(stdout: string): { rows: string[][]; summary: string } {
  const lines = stdout.trimEnd().split('\n');
  const summary = lines.pop()!;
  expect(lines.pop()).toBe('');
  expect(lines.shift()).toMatch(/^METHOD +PATH +GUARD$/);
  return { rows: lines.map((line) => line.split(/ {2,}/)), summary };
}

test.each(ROUTE_FRAMEWORKS)('routes --framework %s: every route of the demo with its guard, then how many nothing guards', async (framework) => {
  const ran = await run(['routes', '--framework', framework]);

  expect(ran).toMatchObject({ code: 0, stderr: '' });
  const { rows, summary } = parse(ran.stdout);
  const guards = new Map(rows.map(([method, path, guard]) => [`${method} ${path}`, guard]));
  expect(guards.get('POST /auth/login')).toBe('NONE');
  expect(guards.get('GET /api/me')).toBe('NONE');
  expect(guards.get('GET /api/profile')).toBe('requireMfa');
  expect(guards.get('POST /api/transfers')).toBe('requireMfa maxAge=300s');
  expect(guards.get('POST /mfa/verify')).toBe('mfakit');
  expect(guards.get('GET /mfa/admin/report')).toBe('mfakit');
  const open = rows.filter(([, , guard]) => guard === 'NONE').length;
  expect(summary).toBe(`Nothing guards ${open} of the ${rows.length} routes of the ${framework} demo (NONE).`);
});

test('routes defaults to the Express demo, and opens no store: it runs where the store commands cannot', async () => {
  const env = { MFA_ENCRYPTION_KEYS: 'not-a-key', DATABASE_URL: 'postgres://127.0.0.1:1/nowhere' };
  expect((await run(['report'], env)).code).toBe(1);

  const ran = await run(['routes'], env);
  expect(ran).toMatchObject({ code: 0, stderr: '' });
  expect(ran.stdout).toMatch(/ of the \d+ routes of the express demo \(NONE\)\.\n$/);
  expect(ran.stdout).toBe((await run(['routes', '--framework=express'])).stdout);
});

test('a table that fails is exit code 1 with its message, not a rejection', async () => {
  const out: string[] = [];
  const failing = () => Promise.reject(new Error('createApp threw'));
  const code = await routesCommand([], { stdout: (t) => out.push(t), stderr: (t) => out.push(t) }, tables({ express: failing }));

  expect(code).toBe(1);
  expect(out.join('')).toBe('mfakit routes --framework express failed: createApp threw\n');
});

test('prints the table the demo gives, as formatRoutes writes it', async () => {
  const routes: GuardedRoute[] = [
    { method: 'GET', path: '/health', guard: { by: 'none' } },
    { method: 'POST', path: '/api/payees', guard: { by: 'requireMfa', requirement: { maxAge: 300, once: { bindBody: true } } } },
  ];
  let stdout = '';
  const code = await routesCommand(['--framework', 'koa'], { stdout: (t) => (stdout += t), stderr: () => undefined }, tables({ koa: async () => routes }));

  expect(code).toBe(0);
  expect(stdout).toBe(`${formatRoutes(routes)}\n\nNothing guards 1 of the 2 routes of the koa demo (NONE).\n`);
});

test.each([
  [['routes', '--framework', 'rails'], /^mfakit routes: no demo for "rails"; --framework is one of express, koa, fastify, nestjs\.\n$/],
  [['routes', '--frmework', 'koa'], /^mfakit routes: Unknown option '--frmework'/],
  [['routes', '--framework'], /^mfakit routes: Option '--framework <value>' argument missing/],
  [['routes', 'koa'], /^mfakit routes: Unexpected argument 'koa'/],
])('a wrong command line %j is exit code 2 with what is wrong', async (argv, message) => {
  const ran = await run(argv);

  expect(ran).toMatchObject({ code: 2, stdout: '' });
  expect(ran.stderr).toMatch(message);
});

test('mfakit --help lists routes and its frameworks after the store commands; routes --help alone', async () => {
  const help = await run(['--help']);
  expect(help.code).toBe(0);
  expect(help.stdout).toMatch(/^Usage: mfakit <command>/);
  const routesLine = help.stdout.indexOf(`routes [--framework ${ROUTE_FRAMEWORKS.join('|')}]`);
  expect(routesLine).toBeGreaterThan(help.stdout.indexOf('rotate-keys'));

  const routesHelp = await run(['routes', '--help']);
  expect(routesHelp.code).toBe(0);
  expect(routesHelp.stdout).toMatch(/^Command of the demos/);
});
