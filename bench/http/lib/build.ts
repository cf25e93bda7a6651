import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { build } from 'esbuild';
import { externalPackages } from '../../lib/externalPackages';

const SERVER = path.resolve(__dirname, '../server.ts');

/** A compiled server: its file, and `remove()` for its folder. */
export interface BuiltServer {
  file: string;
  remove(): void;
}

/**
 * Compiles bench/http/server.ts with the workspace's TypeScript it imports (@mfakit/*) into one
 * CommonJS file in a temporary folder, as a `tsc` build would run in production; every other
 * package stays external and is loaded from node_modules as usual, so the baselines' code is the
 * code applications run.
 *
 * Why not tsx: it compiles with esbuild's keepNames, which wraps every closure the TypeScript
 * creates in `__name(fn, 'name')`, a defineProperty per closure per call. In the adapters'
 * per-request code that costs ~0.9 µs a request (0.2 µs compiled, 1.1 µs under tsx), a
 * handicap the JavaScript of passport, jsonwebtoken and the frameworks does not carry.
 */
export async function buildServer(): Promise<BuiltServer> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'mfakit-bench-http-'));
  const file = path.join(dir, 'server.js');
  await build({
    entryPoints: [SERVER],
    outfile: file,
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    logLevel: 'warning',
    // Not for stack traces (the servers run without --enable-source-maps): lib/profile.ts maps
    // profiled functions back to their TypeScript with it.
    sourcemap: true,
    plugins: [externalPackages],
  });
  return { file, remove: () => rmSync(dir, { recursive: true, force: true }) };
}
