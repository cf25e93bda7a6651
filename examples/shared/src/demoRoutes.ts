import type * as ExpressDemo from '../../express/src/app';
import type * as FastifyDemo from '../../fastify/src/app';
import type * as KoaDemo from '../../koa/src/app';
import type * as NestDemo from '../../nestjs/src/app';
import type { RouteFramework, RouteTable } from './routesCommand';

const SILENT = { warn: () => undefined, error: () => undefined };

/**
 * How `mfakit routes` lists each demo's routes: the demo's own `createApp` over memory stores (no
 * database, no Redis: it works while the demo runs on them), then its adapter's `mfaRoutes`.
 *
 * The demos depend on this package, so this package cannot depend on them: each demo's
 * `src/app.ts` is loaded by its path in the repository (`require`, typed by a type-only import),
 * and the adapter by its name (the workspace root depends on every adapter), only when that
 * demo's routes are asked for. Nothing of it loads with the store commands.
 */
export const DEMO_ROUTE_TABLES: Record<RouteFramework, RouteTable> = {
  express: async () => {
    const { createApp } = require('../../express/src/app') as typeof ExpressDemo;
    const { mfaRoutes } = require('@mfakit/express') as typeof import('@mfakit/express');
    return mfaRoutes(createApp({ logger: SILENT }).app);
  },
  koa: async () => {
    const { createApp } = require('../../koa/src/app') as typeof KoaDemo;
    const { mfaRoutes } = require('@mfakit/koa') as typeof import('@mfakit/koa');
    return mfaRoutes(createApp({ logger: SILENT }).app);
  },
  fastify: async () => {
    const { createApp } = require('../../fastify/src/app') as typeof FastifyDemo;
    const { mfaRoutes } = require('@mfakit/fastify') as typeof import('@mfakit/fastify');
    const { app } = createApp({ logger: SILENT });
    try {
      return await mfaRoutes(app);
    } finally {
      await app.close();
    }
  },
  nestjs: async () => {
    const { createApp } = require('../../nestjs/src/app') as typeof NestDemo;
    const { mfaRoutes } = require('@mfakit/nestjs') as typeof import('@mfakit/nestjs');
    const { app } = await createApp({ logger: SILENT });
    try {
      return mfaRoutes(app);
    } finally {
      await app.close();
    }
  },
};
