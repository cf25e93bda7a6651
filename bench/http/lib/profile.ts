import { existsSync, readFileSync } from 'node:fs';
import { SourceMap, type SourceMapping } from 'node:module';
import { fileURLToPath } from 'node:url';

/** The parts of a V8 `.cpuprofile` (what `node --cpu-prof` writes) that a summary needs. */
interface CpuProfile {
  nodes: { id: number; callFrame: CallFrame }[];
  samples: number[];
  timeDeltas: number[];
}

interface CallFrame {
  functionName: string;
  url: string;
  /** 0-based, as is columnNumber. */
  lineNumber: number;
  columnNumber: number;
  /** Mapped back to the TypeScript source through the compiled server's source map. */
  mapped?: boolean;
}

/** Where a server spent its CPU time while it answered `requests` requests: self time per function and per package, µs per request. */
export interface ProfileSummary {
  requests: number;
  /** Busy (not idle) CPU time per request, µs. */
  perRequest: number;
  functions: Map<string, number>;
  packages: Map<string, number>;
}

/**
 * Sums a profile's self time per function (name, file and line) and per package (a
 * node_modules package, an @mfakit workspace package, Node's own modules, GC), idle left out,
 * divided by the requests answered while it ran.
 */
export function summariseProfile(file: string, requests: number): ProfileSummary {
  const profile = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile;
  const byId = new Map(profile.nodes.map((node) => [node.id, original(node.callFrame)]));
  const functions = new Map<string, number>();
  const packages = new Map<string, number>();
  let busy = 0;
  profile.samples.forEach((id, i) => {
    const frame = byId.get(id);
    const micros = (profile.timeDeltas[i] ?? 0) / requests;
    if (!frame || frame.functionName === '(idle)') return;
    busy += micros;
    // Under tsx, the profile's lines in the workspace's TypeScript are those of tsx's output: left out.
    const where = frame.url ? ` ${shortPath(frame.url)}${frame.url.endsWith('.ts') && !frame.mapped ? '' : `:${frame.lineNumber + 1}`}` : '';
    const name = `${frame.functionName || '(anonymous)'}${where}`;
    functions.set(name, (functions.get(name) ?? 0) + micros);
    const pkg = packageOf(frame.url, frame.functionName);
    packages.set(pkg, (packages.get(pkg) ?? 0) + micros);
  });
  return { requests, perRequest: busy, functions, packages };
}

/**
 * One line for a measurement's note: how much more CPU per request the variant's server spent
 * than the baseline's, and on what (the packages and functions that grew most, µs per request).
 */
export function describeDifference(base: ProfileSummary, variant: ProfileSummary, files: string): string {
  const us = (x: number) => `${x >= 0 ? '+' : ''}${x.toFixed(1)}`;
  const grown = (a: Map<string, number>, b: Map<string, number>, top: number) =>
    [...new Set([...a.keys(), ...b.keys()])]
      .map((name) => ({ name, delta: (b.get(name) ?? 0) - (a.get(name) ?? 0) }))
      .sort((x, y) => y.delta - x.delta)
      .slice(0, top)
      .map(({ name, delta }) => `${name} ${us(delta)}`)
      .join(', ');
  return (
    `profiles ${files}: busy CPU ${base.perRequest.toFixed(1)} -> ${variant.perRequest.toFixed(1)} us/req (${us(variant.perRequest - base.perRequest)}, under the profiler, ` +
    `taking turns under load); ` +
    `grown most, us/req: packages ${grown(base.packages, variant.packages, 6)}; functions ${grown(base.functions, variant.functions, 6)}`
  );
}

const sourceMaps = new Map<string, SourceMap | null>();

/**
 * The TypeScript source of a function in a compiled server (lib/build.ts writes a source map
 * beside it): the profile then names packages/core/src/check.ts, not the bundle.
 */
function original(frame: CallFrame): CallFrame {
  if (!frame.url.startsWith('file://') || !frame.url.endsWith('.js')) return frame;
  const file = fileURLToPath(frame.url);
  if (!sourceMaps.has(file)) sourceMaps.set(file, existsSync(`${file}.map`) ? new SourceMap(JSON.parse(readFileSync(`${file}.map`, 'utf8'))) : null);
  const entry = sourceMaps.get(file)?.findEntry(frame.lineNumber, frame.columnNumber) as SourceMapping | undefined;
  if (!entry?.originalSource) return frame;
  return { ...frame, url: entry.originalSource, lineNumber: entry.originalLine, columnNumber: entry.originalColumn, mapped: true };
}

function packageOf(url: string, functionName: string): string {
  if (!url) return functionName.startsWith('(') ? functionName : '(native)';
  if (url.startsWith('node:')) return 'node';
  const modules = url.lastIndexOf('/node_modules/');
  if (modules >= 0) {
    const [first, second] = url.slice(modules + '/node_modules/'.length).split('/');
    return first?.startsWith('@') ? `${first}/${second}` : (first ?? url);
  }
  const workspace = /\/packages\/([^/]+)\/src\//.exec(url);
  if (workspace) return `@mfakit/${workspace[1]}`;
  return url.includes('/bench/') ? 'bench' : shortPath(url);
}

function shortPath(url: string): string {
  const path = url.replace(/^file:\/\//, '');
  const modules = path.lastIndexOf('/node_modules/');
  if (modules >= 0) return path.slice(modules + '/node_modules/'.length);
  const repo = /\/(packages|bench|examples)\/.*$/.exec(path);
  return repo ? repo[0].slice(1) : path;
}
