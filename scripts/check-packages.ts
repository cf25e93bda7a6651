// `pnpm check:packages`: every public package, packed as it would be published (run `pnpm build`
// first), must pass `publint --strict` and `attw` (Are the Types Wrong?, every resolution mode).
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { packPackage, publicPackages, ROOT } from './lib/packages';

const bin = (name: string) => path.join(ROOT, 'node_modules', '.bin', name);

function run(command: string, args: string[]): boolean {
  const result = spawnSync(command, args, { stdio: 'inherit' });
  return result.status === 0;
}

const destination = fs.mkdtempSync(path.join(os.tmpdir(), 'mfakit-pack-'));
const failed: string[] = [];
try {
  for (const pkg of publicPackages()) {
    console.log(`\n== ${pkg.name}`);
    const tarball = packPackage(pkg, destination);
    if (!run(bin('publint'), ['run', tarball, '--strict'])) failed.push(`${pkg.name}: publint`);
    if (!run(bin('attw'), [tarball, '--format', 'table-flipped', '--no-emoji'])) failed.push(`${pkg.name}: attw`);
  }
} finally {
  fs.rmSync(destination, { recursive: true, force: true });
}
console.log(failed.length === 0 ? '\nEvery package passes publint and attw.' : `\nFailed:\n${failed.map((line) => `  ${line}`).join('\n')}`);
process.exitCode = failed.length === 0 ? 0 : 1;
