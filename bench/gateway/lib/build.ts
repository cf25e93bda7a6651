import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { build } from 'esbuild';
import { externalPackages } from '../../lib/externalPackages';

const ENTRIES = { gateway: path.resolve(__dirname, '../gateway.ts'), upstream: path.resolve(__dirname, '../upstream.ts'), floor: path.resolve(__dirname, '../floor.ts') };

/** The compiled processes of the benchmark: each one's file, and `remove()` for their folder. */
export interface Built {
  gateway: string;
  upstream: string;
  floor: string;
  remove(): void;
}

/**
 * Compiles bench/gateway/gateway.ts, upstream.ts and floor.ts, with the workspace's TypeScript they import
 * (@mfakit/*), into CommonJS files in a temporary folder, as a `tsc` build runs in production;
 * every other package (Fastify, jose, undici) stays external and loads from
 * node_modules. Not tsx, for the reason bench/http/lib/build.ts gives: its keepNames wraps every
 * closure and costs the workspace's code ~1 µs a request that the packages do not pay.
 */
export async function buildProcesses(): Promise<Built> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'mfakit-bench-gateway-'));
  try {
    await build({
      entryPoints: ENTRIES,
      outdir: dir,
      bundle: true,
      platform: 'node',
      format: 'cjs',
      target: 'node20',
      logLevel: 'warning',
      // For a profile's functions to map back to the TypeScript (bench/http/lib/profile.ts reads it).
      sourcemap: true,
      plugins: [externalPackages],
    });
  } catch (err) {
    rmSync(dir, { recursive: true, force: true });
    throw err;
  }
  return { gateway: path.join(dir, 'gateway.js'), upstream: path.join(dir, 'upstream.js'), floor: path.join(dir, 'floor.js'), remove: () => rmSync(dir, { recursive: true, force: true }) };
}
