// The public packages of the workspace (every packages/* that is not private) and how they are
// packed: with pnpm, which replaces main, types and exports by their publishConfig values (the
// workspace's package.json files point at src/ so that nothing needs a build; see docs/decisions.md).
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

/** The repository's root. */
export const ROOT = path.resolve(__dirname, '..', '..');

/** One package that is published. */
export interface PublicPackage {
  /** `@mfakit/core` */
  name: string;
  /** Its folder, absolute. */
  dir: string;
}

/** Every packages/* whose package.json is not private, sorted by folder. */
export function publicPackages(): PublicPackage[] {
  const parent = path.join(ROOT, 'packages');
  return fs
    .readdirSync(parent)
    .sort()
    .map((folder) => path.join(parent, folder))
    .filter((dir) => fs.existsSync(path.join(dir, 'package.json')))
    .map((dir) => ({ dir, manifest: JSON.parse(fs.readFileSync(path.join(dir, 'package.json'), 'utf8')) as { name: string; private?: boolean } }))
    .filter(({ manifest }) => manifest.private !== true)
    .map(({ dir, manifest }) => ({ name: manifest.name, dir }));
}

/**
 * Packs one package with `pnpm pack` into `destination` (as `pnpm publish` would upload it:
 * publishConfig applied, `workspace:*` replaced by versions) and returns the tarball's path.
 */
export function packPackage(pkg: PublicPackage, destination: string): string {
  const out = execFileSync('pnpm', ['pack', '--pack-destination', destination, '--json'], { cwd: pkg.dir, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  // pnpm may print lifecycle output first; the JSON report is the last thing it writes.
  const report = JSON.parse(out.slice(out.indexOf('{'))) as { filename: string };
  return path.resolve(destination, report.filename);
}
