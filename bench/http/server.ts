// One server of the HTTP benchmark, in a process of its own:
//   node --import tsx bench/http/server.ts <framework> <variant> <port>
// (the suite runs it compiled, as production would: see lib/build.ts).
// Port 0 takes a free one. When it listens on 127.0.0.1 it prints one JSON line,
//   {"ready":true,"port":N,"headers":{"authorization":"Bearer <jwt>","x-session-token":"mfa_..."}}
// the headers the load generator must send on every request. It stops on SIGTERM or SIGINT, or
// when its standard input closes (the suite that started it is gone), removing its Redis keys.
// Commands, one a line on standard input, each answered with one JSON line:
//   revoke   revokes the user (mfa.admin.revokeUser: every session and factor; on a floor variant,
//            the floor's own revocation), {"revoke":true}
//   profile  with BENCH_CPU_PROFILE=<file>, starts V8's CPU profiler, {"profile":true}; stopping
//            writes the profile there: the load alone, without the start-up
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createInterface } from 'node:readline';
import { BENCH_USER, FRAMEWORKS, type Framework, makeFixture, type Variant, VARIANTS } from './lib/fixture';
import { cpuProfiler } from '../lib/cpuProfiler';

const HOST = '127.0.0.1';

async function main(): Promise<void> {
  const [framework, variant, portArg = '0'] = process.argv.slice(2);
  if (!FRAMEWORKS.includes(framework as Framework) || !VARIANTS.includes(variant as Variant) || !/^\d+$/.test(portArg)) {
    throw new Error(`usage: server.ts <${FRAMEWORKS.join('|')}> <${VARIANTS.join('|')}> <port>`);
  }
  const fixture = await makeFixture(variant as Variant);
  const { server, close } = await listen(framework as Framework, variant as Variant, fixture, Number(portArg));
  const profiler = process.env.BENCH_CPU_PROFILE ? cpuProfiler(process.env.BENCH_CPU_PROFILE) : null;
  let stopping = false;
  const stop = async () => {
    if (stopping) return;
    stopping = true;
    server.closeAllConnections();
    await close();
    await profiler?.stop();
    await fixture.close();
    process.exit(0);
  };
  const commands: Record<string, (() => Promise<unknown>) | undefined> = {
    revoke: fixture.mfa ? () => fixture.mfa!.admin.revokeUser(BENCH_USER, { by: 'bench' }) : fixture.floor?.revoke,
    profile: profiler?.start,
  };
  createInterface({ input: process.stdin })
    .on('line', (line) => {
      const run = commands[line.trim()];
      const answer = (ok: boolean) => process.stdout.write(`${JSON.stringify({ [line.trim()]: ok })}\n`);
      if (!run) return answer(false);
      run().then(
        () => answer(true),
        (err: unknown) => {
          console.error(err);
          answer(false);
        },
      );
    })
    .on('close', () => void stop());
  for (const signal of ['SIGTERM', 'SIGINT'] as const) process.on(signal, () => void stop());
  const { port } = server.address() as AddressInfo;
  process.stdout.write(`${JSON.stringify({ ready: true, port, headers: fixture.headers })}\n`);
}

async function listen(framework: Framework, variant: Variant, fixture: Awaited<ReturnType<typeof makeFixture>>, port: number): Promise<{ server: Server; close: () => Promise<void> }> {
  // Each server loads its own framework only: start-up time is most of a quick run's overhead.
  if (framework === 'nestjs') {
    const { nestApp } = require('./nestjs') as typeof import('./nestjs');
    const app = await nestApp(variant, fixture);
    await app.listen(port, HOST);
    return { server: app.getHttpServer() as Server, close: () => app.close() };
  }
  if (framework === 'fastify') {
    const app = (require('./fastify') as typeof import('./fastify')).fastifyApp(variant, fixture);
    await app.listen({ port, host: HOST });
    return { server: app.server, close: () => app.close() };
  }
  const handler =
    framework === 'express' ? (require('./express') as typeof import('./express')).expressApp(variant, fixture) : (require('./koa') as typeof import('./koa')).koaApp(variant, fixture).callback();
  const server = createServer(handler);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, HOST, resolve);
  });
  return { server, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
