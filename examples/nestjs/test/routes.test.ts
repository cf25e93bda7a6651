// The NestJS demo's route inventory (the threat: a route left without its guard, or marked
// @RequireMFA() where no MfaGuard runs; see describeDemoRoutes). The page's files are served by the
// Express instance under Nest, not by a controller: they are no route of Nest's.
import { describeDemoRoutes } from '@mfakit/testing';
import { assertEveryRouteGuarded, mfaRoutes } from '@mfakit/nestjs';
import type { INestApplication } from '@nestjs/common';
import { createApp } from '../src/app';

let app: INestApplication;
beforeAll(async () => {
  ({ app } = await createApp({ logger: { warn: () => undefined, error: () => undefined } }));
});
afterAll(() => app.close());

describeDemoRoutes({ list: () => mfaRoutes(app), assert: (except) => assertEveryRouteGuarded(app, { except }) });
