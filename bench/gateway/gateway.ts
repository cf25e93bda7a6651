// The gateway of the benchmark, in a process of its own so that its CPU time is its alone:
//   BENCH_GATEWAY_CONFIG=<yaml> node <compiled gateway.js>      (the suite compiles it: lib/build.ts)
// `createGateway` on the configuration the suite wrote (standalone mode towards the upstream, and
// the forward-auth endpoints for nginx), with memory stores: sessions and factors in this
// process, as one gateway without Redis or PostgreSQL keeps them. When it listens on 127.0.0.1
// it prints one JSON line,
//   {"ready":true,"port":N,"token":"<HS256 access token of BENCH_USER>"}
// It stops on SIGTERM or SIGINT, or when its standard input closes (the suite is gone).
// Commands, one a line on standard input, each answered with one JSON line:
//   revoke   revokes BENCH_USER (every session and factor), {"revoke":true}
//   profile  with BENCH_CPU_PROFILE=<file>, starts V8's CPU profiler, {"profile":true}; stopping
//            writes the profile there: the load alone, without the start-up
import { randomBytes } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { createInterface } from 'node:readline';
import { MemoryStore } from '@mfakit/core';
import { createGateway, devToken, parseConfig } from '@mfakit/gateway';
import { BENCH_USER } from './lib/config';
import { cpuProfiler } from '../lib/cpuProfiler';

const HOST = '127.0.0.1';

async function main(): Promise<void> {
  const yaml = process.env.BENCH_GATEWAY_CONFIG;
  if (!yaml) throw new Error('BENCH_GATEWAY_CONFIG (the YAML configuration) is not set');
  const config = parseConfig(yaml, 'bench-gateway.yaml', {});
  const logger = { warn: (message: string) => console.error(`[gateway] ${message}`), error: (message: string) => console.error(`[gateway] ${message}`) };
  const gateway = await createGateway(config, {
    stores: { factors: new MemoryStore(), state: new MemoryStore() },
    logger,
    mfa: { encryptionKeys: `bench:${randomBytes(32).toString('base64')}` },
  });
  await gateway.app.listen({ host: HOST, port: 0 });
  const profiler = process.env.BENCH_CPU_PROFILE ? cpuProfiler(process.env.BENCH_CPU_PROFILE) : null;
  let stopping = false;
  const stop = async () => {
    if (stopping) return;
    stopping = true;
    gateway.app.server.closeAllConnections();
    await gateway.close();
    await profiler?.stop();
    process.exit(0);
  };
  const commands: Record<string, (() => Promise<unknown>) | undefined> = {
    revoke: () => gateway.mfa.admin.revokeUser(BENCH_USER, { by: 'bench' }),
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
  const { port } = gateway.app.server.address() as AddressInfo;
  const token = await devToken(config.tokens, { sub: BENCH_USER, amr: ['pwd'], expiresIn: '1h' });
  process.stdout.write(`${JSON.stringify({ ready: true, port, token })}\n`);
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
