// Guards against publishing packages that work only inside this workspace (which resolves
// @mfakit/* to the TypeScript sources): a tarball missing its build, a wrong exports map, a
// dependency bundled or left undeclared, declarations that do not resolve, or NestJS classes built
// without the decorator metadata that constructor injection reads.
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { packPackage, publicPackages, ROOT } from '../../scripts/lib/packages';

const CONSUMER = path.join(__dirname, 'consumer');
const OUTPUTS = ['dist/index.js', 'dist/index.mjs', 'dist/index.d.ts', 'dist/index.d.mts'];
// What an application installs beside the packages: their peers, the type packages its
// TypeScript needs, and @nestjs/platform-express for the NestJS server; at the workspace's versions.
const PEERS = [
  'express',
  'fastify',
  'koa',
  '@koa/router',
  '@nestjs/common',
  '@nestjs/core',
  '@nestjs/platform-express',
  'reflect-metadata',
  'rxjs',
  'ioredis',
  'pg',
  'typescript',
  '@types/node',
  '@types/express',
  '@types/koa',
  '@types/pg',
];

const packages = publicPackages();
let project: string;

/** The newest modification time of a file under `target`, node_modules aside. */
function newest(target: string): number {
  const stat = fs.statSync(target);
  if (!stat.isDirectory()) return stat.mtimeMs;
  return Math.max(
    0,
    ...fs
      .readdirSync(target)
      .filter((entry) => entry !== 'node_modules' && entry !== 'dist')
      .map((entry) => newest(path.join(target, entry))),
  );
}

/** True when some package has no build, or a build older than its sources or the build's config. */
function buildIsStale(): boolean {
  const config = Math.max(...['tsup.config.ts', 'tsconfig.build.json', 'tsconfig.base.json'].map((file) => newest(path.join(ROOT, file))));
  return packages.some((pkg) => {
    const outputs = OUTPUTS.map((file) => path.join(pkg.dir, file));
    if (!outputs.every((file) => fs.existsSync(file))) return true;
    const built = Math.min(...outputs.map((file) => fs.statSync(file).mtimeMs));
    const own = ['src', 'package.json', 'tsup.config.ts'].map((file) => path.join(pkg.dir, file)).filter((file) => fs.existsSync(file)); // a package may have its own tsup config (the core's entries)
    return built < Math.max(config, ...own.map(newest));
  });
}

function run(command: string, args: string[], cwd: string): string {
  const result = spawnSync(command, args, { cwd, encoding: 'utf8', env: { ...process.env, NODE_OPTIONS: '' } });
  if (result.status !== 0) throw new Error(`${command} ${args.join(' ')} exited with ${result.status}:\n${result.stdout}\n${result.stderr}`);
  return result.stdout;
}

function versionOf(name: string): string {
  return (JSON.parse(fs.readFileSync(path.join(ROOT, 'node_modules', name, 'package.json'), 'utf8')) as { version: string }).version;
}

beforeAll(() => {
  // `pnpm test` builds first; run alone, this test builds when the build is missing or stale.
  if (buildIsStale()) execFileSync('pnpm', ['build'], { cwd: ROOT, stdio: 'pipe' });

  project = fs.mkdtempSync(path.join(os.tmpdir(), 'mfakit-install-'));
  const tarballs = path.join(project, 'tarballs');
  fs.mkdirSync(tarballs);
  const dependencies: Record<string, string> = {};
  for (const pkg of packages) dependencies[pkg.name] = `file:${packPackage(pkg, tarballs)}`;
  for (const name of PEERS) dependencies[name] = versionOf(name);
  fs.writeFileSync(path.join(project, 'package.json'), JSON.stringify({ name: 'mfakit-consumer', private: true, dependencies }, null, 2));
  run('npm', ['install', '--no-audit', '--no-fund', '--prefer-offline', '--loglevel=error'], project);

  for (const file of ['checks.cjs', 'smoke.cjs', 'smoke.mjs']) fs.copyFileSync(path.join(CONSUMER, file), path.join(project, file));
  fs.copyFileSync(path.join(CONSUMER, 'types.ts'), path.join(project, 'types.ts'));
  fs.copyFileSync(path.join(CONSUMER, 'types.ts'), path.join(project, 'types.mts'));
  // Two programs: one file of each format, as an application of that format would be.
  const compilerOptions = { module: 'nodenext', moduleResolution: 'nodenext', target: 'es2022', strict: true, skipLibCheck: false, noEmit: true, esModuleInterop: true, types: ['node'] };
  fs.writeFileSync(path.join(project, 'tsconfig.cjs.json'), JSON.stringify({ compilerOptions, files: ['types.ts'] }));
  fs.writeFileSync(path.join(project, 'tsconfig.esm.json'), JSON.stringify({ compilerOptions, files: ['types.mts'] }));
}, 600_000);

afterAll(() => {
  if (project) fs.rmSync(project, { recursive: true, force: true });
});

test('every public package is installed from its tarball, with @mfakit/core from its own', () => {
  const installed = packages.map((pkg) => path.join(project, 'node_modules', pkg.name, 'package.json'));
  expect(installed.filter((file) => !fs.existsSync(file))).toEqual([]);
  // One copy of the core: a second one, fetched from a registry, would make another Mfa class.
  const cores = run('npm', ['ls', '@mfakit/core', '--all', '--parseable'], project).trim().split('\n');
  expect(new Set(cores)).toEqual(new Set([path.join(project, 'node_modules', '@mfakit', 'core')]));
});

test('require() from CommonJS loads the CommonJS build, and it works', () => {
  expect(run('node', ['smoke.cjs'], project).trim()).toBe('ok');
}, 120_000);

test('import from an ES module loads the ES module build, and it works', () => {
  expect(run('node', ['smoke.mjs'], project).trim()).toBe('ok');
}, 120_000);

test.each(['tsconfig.cjs.json', 'tsconfig.esm.json'])(
  'tsc (strict, module nodenext) compiles an application against the declarations: %s',
  (tsconfig) => {
    // skipLibCheck is off so that errors inside our declarations count; those inside other
    // packages' declarations (@types/koa against a newer content-disposition, say) are not ours.
    const result = spawnSync(path.join(project, 'node_modules', '.bin', 'tsc'), ['-p', tsconfig, '--pretty', 'false'], { cwd: project, encoding: 'utf8' });
    const errors = result.stdout.split('\n').filter((line) => /error TS\d+:/.test(line));
    expect(errors.filter((line) => !line.startsWith('node_modules/') || line.startsWith('node_modules/@mfakit/'))).toEqual([]);
    // A tsc that fails without naming an error (a crash, a bad option) fails too.
    if (result.status !== 0 && errors.length === 0) throw new Error(`tsc exited with ${result.status}:\n${result.stdout}\n${result.stderr}`);
  },
  120_000,
);

test('the mfakit-gateway bin runs from the installed package: check prints the rules, token signs a development token', () => {
  const config = path.join(project, 'gateway.yaml');
  fs.writeFileSync(
    config,
    [
      'issuer: Acme',
      'tokens:',
      '  secret: a-development-secret-of-at-least-32-characters',
      'rules:',
      "  - { paths: ['/public/**'], policy: bypass }",
      "  - { paths: ['/api/**'], policy: mfa }",
      '',
    ].join('\n'),
  );
  const bin = path.join(project, 'node_modules', '.bin', 'mfakit-gateway');
  expect(run(bin, ['check', '--config', config], project)).toMatch(/^ALL +\/api\/\*\* +requireMfa$/m);
  expect(run(bin, ['token', '--config', config, '--sub', 'alice'], project).trim()).toMatch(/^[\w-]+\.[\w-]+\.[\w-]+$/);
}, 120_000);
