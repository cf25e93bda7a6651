// What an application written in TypeScript compiles against the published declarations: copied
// into the consumer project twice, as CommonJS (.ts) and as an ES module (.mts), and type-checked
// with `strict` and module `nodenext`. The @ts-expect-error lines fail if a type resolves to `any`.
import { runCli } from '@mfakit/cli';
import { createMfa, MemoryStore, type Mfa, MfaError, type MfaState, type Outcome } from '@mfakit/core';
import { type Decision, guard as decideRoute } from '@mfakit/core/http';
import type { StateStore } from '@mfakit/core/store';
import { mfaRouter, requireFreshMfa, requireMfa } from '@mfakit/express';
import { createGateway, type Gateway, type GatewayConfig, parseConfig } from '@mfakit/gateway';
import { requireMfa as koaRequireMfa } from '@mfakit/koa';
import { MfaGuard, MfaModule, RequireMFA } from '@mfakit/nestjs';
import { PostgresFactorStore } from '@mfakit/postgres';
import { RedisStateStore } from '@mfakit/redis';
import type { DynamicModule } from '@nestjs/common';
import express from 'express';
import { Redis } from 'ioredis';
import Koa from 'koa';
import { Pool } from 'pg';

const memory = new MemoryStore();
const local: Mfa = createMfa({ issuer: 'Acme', stores: { factors: memory, state: memory } });
const fleet: Mfa = createMfa({
  issuer: 'Acme',
  encryptionKeys: process.env.MFA_ENCRYPTION_KEYS,
  stores: { factors: new PostgresFactorStore(new Pool()), state: new RedisStateStore(new Redis({ lazyConnect: true })) },
});
// @ts-expect-error issuer is a string
createMfa({ issuer: 42 });

const app = express();
app.use('/mfa', mfaRouter(local));
app.get('/api/profile', requireMfa(local), (req, res) => {
  const state: MfaState | undefined = req.mfa;
  res.json({ mfa: state });
});
app.post('/api/transfers', requireFreshMfa(fleet, { maxAge: '5m' }), (_req, res) => {
  res.status(201).end();
});
// @ts-expect-error maxAge is required
requireFreshMfa(fleet, {});

new Koa().use(koaRequireMfa(local));

const module: DynamicModule = MfaModule.forRoot(local, { path: 'mfa' });
const guard: typeof MfaGuard = MfaGuard;
RequireMFA({ maxAge: '5m' });

const done: Promise<number> = runCli(['report'], { mfa: fleet, stdout: (text) => process.stdout.write(text), stderr: (text) => process.stderr.write(text) });
const error: Error = new MfaError('invalid_option', 'an example');

const checked: Promise<Outcome<MfaState>> = local.check({ user: { id: 'alice' } });
const decided: Decision | Promise<Decision> = decideRoute(local, { user: { id: 'alice' } }, {}, (decision: Decision) => decision);
const states: StateStore = memory;
// @ts-expect-error the context is the core's own
local.options;

const gatewayConfig: GatewayConfig = parseConfig('issuer: Acme\ntokens: { secret: a-development-secret-of-at-least-32-characters }\nrules: []\n', 'gateway.yaml', {});
const gateway: Promise<Gateway> = createGateway(gatewayConfig, { stores: { factors: memory, state: memory } });

export { checked, decided, done, error, gateway, guard, module, states };
