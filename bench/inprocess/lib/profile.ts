// Records V8 CPU profiles (.cpuprofile, as node --cpu-prof writes them) of a piece of work, and
// reads them back to name where the time went, as shares of the sampled time (idle excluded): by
// function (self time), by origin (mfakit, each npm package, GC), and mfakit's part by function.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
}

interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

export interface HotFunction {
  name: string;
  /** Share of the sampled (non-idle) time, 0 to 1. */
  share: number;
}

/** The `top` functions by self time in the profile at `file`. */
export function hotFunctions(file: string, top = 8): HotFunction[] {
  const profile = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile;
  const frames = new Map(profile.nodes.map((node) => [node.id, node.callFrame]));
  const selfTime = new Map<string, number>();
  let total = 0;
  profile.samples.forEach((id, i) => {
    const frame = frames.get(id);
    if (!frame || frame.functionName === '(idle)') return;
    const delta = profile.timeDeltas[i] ?? 0;
    const name = frameName(frame);
    selfTime.set(name, (selfTime.get(name) ?? 0) + delta);
    total += delta;
  });
  return [...selfTime.entries()]
    .sort((a, b) => b[1] - a[1])
    .slice(0, top)
    .map(([name, time]) => ({ name, share: total ? time / total : 0 }));
}

/**
 * Who the sampled time belongs to: mfakit's own code (packages/*), each npm package, the
 * garbage collector, the benchmark loop. Time in Node's and V8's internals (crypto bindings,
 * Buffer, promises) counts for the JavaScript that called into them, the nearest caller up the
 * stack that is not Node's own: what decrypting a secret costs is mfakit's, what importing a key
 * costs is the library's.
 */
export function timeByOrigin(file: string): HotFunction[] {
  return shares(file, (frame) => originOf(frame));
}

/** mfakit's functions by the time they account for, with the Node and V8 calls each makes. */
export function mfakitFunctions(file: string, top = 5): HotFunction[] {
  return shares(file, (frame) => (originOf(frame) === 'mfakit' ? frameName(frame) : null)).slice(0, top);
}

/** Sampled time grouped by `group` of the nearest caller that is not Node's or V8's own (null: left out). */
function shares(file: string, group: (frame: ProfileNode['callFrame']) => string | null): HotFunction[] {
  const profile = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile & { nodes: (ProfileNode & { children?: number[] })[] };
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const parent = new Map<number, number>();
  for (const node of profile.nodes) for (const child of node.children ?? []) parent.set(child, node.id);
  const owners = new Map<number, ProfileNode['callFrame']>();
  const owner = (id: number): ProfileNode['callFrame'] => {
    let found = owners.get(id);
    if (!found) {
      const frame = byId.get(id)!.callFrame;
      const up = parent.get(id);
      found = originOf(frame) !== INTERNAL || up === undefined ? frame : owner(up);
      if (found.functionName === '(root)') found = frame;
      owners.set(id, found);
    }
    return found;
  };
  const byGroup = new Map<string, number>();
  let total = 0;
  profile.samples.forEach((id, i) => {
    const node = byId.get(id);
    if (!node || node.callFrame.functionName === '(idle)') return;
    const delta = profile.timeDeltas[i] ?? 0;
    total += delta;
    const name = group(owner(id));
    if (name !== null) byGroup.set(name, (byGroup.get(name) ?? 0) + delta);
  });
  return [...byGroup.entries()].sort((a, b) => b[1] - a[1]).map(([name, time]) => ({ name, share: total ? time / total : 0 }));
}

const INTERNAL = 'Node and V8 internals';

function originOf(frame: ProfileNode['callFrame']): string {
  const { url, functionName } = frame;
  if (functionName === '(garbage collector)') return 'GC';
  if (!url || url.startsWith('node:')) return INTERNAL;
  const inPackage = /.*\/node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(url);
  if (inPackage) return inPackage[1]!;
  if (url.includes('/packages/')) return 'mfakit';
  if (url.includes('/bench/')) return 'benchmark loop';
  return 'other';
}

/** "42% readSession (sessions.ts:70), 11% (garbage collector), ..." */
export function describeHot(functions: HotFunction[]): string {
  return functions.map((f) => `${Math.round(f.share * 100)}% ${f.name}`).join(', ');
}

// Line numbers are left out for our own files: tsx runs them transpiled, so V8's lines are not
// the source's.
function frameName(frame: ProfileNode['callFrame']): string {
  const fn = frame.functionName || '(anonymous)';
  if (!frame.url) return fn;
  if (frame.url.startsWith('node:')) return `${fn} (${frame.url}:${frame.lineNumber + 1})`;
  return `${fn} (${path.basename(frame.url.replace(/^file:\/\//, ''))})`;
}

/**
 * Runs `work` under V8's sampling CPU profiler (the inspector's, which `node --cpu-prof` also
 * uses) and writes the profile to `file`: only the work is sampled, not the start-up and set-up.
 * Open it in Chrome DevTools (Performance) or VS Code.
 */
export async function recordProfile(file: string, work: () => Promise<void>, intervalUs = 100): Promise<void> {
  // The inspector's profiler rather than `node --cpu-prof`: the same .cpuprofile, without start-up and set-up in it.
  const { Session } = await import('node:inspector/promises');
  const session = new Session();
  session.connect();
  try {
    await session.post('Profiler.enable');
    await session.post('Profiler.setSamplingInterval', { interval: intervalUs });
    await session.post('Profiler.start');
    await work();
    const { profile } = await session.post('Profiler.stop');
    mkdirSync(path.dirname(file), { recursive: true });
    writeFileSync(file, JSON.stringify(profile));
  } finally {
    session.disconnect();
  }
}
