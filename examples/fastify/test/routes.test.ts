// The Fastify demo's route inventory (the threat: a route left without its guard; see
// describeDemoRoutes). The demo calls trackRoutes(app) right after Fastify(), so that mfaRoutes sees its routes.
import fs from 'node:fs';
import { describeDemoRoutes } from '@mfakit/testing';
import { MFA_CLIENT_PATH, PUBLIC_DIR } from '@mfakit/example-shared';
import { assertEveryRouteGuarded, mfaRoutes } from '@mfakit/fastify';
import { createApp } from '../src/app';

const { app } = createApp({ logger: { warn: () => undefined, error: () => undefined } });
afterAll(() => app.close());

describeDemoRoutes({
  list: () => mfaRoutes(app),
  assert: (except) => assertEveryRouteGuarded(app, { except }),
  // The page: its files (@fastify/static, one route each), the WebAuthn browser bundle and @mfakit/client's.
  alsoOpen: ['GET /', ...fs.readdirSync(PUBLIC_DIR).map((file) => `GET /${file}`), 'GET /vendor/simplewebauthn-browser.js', `GET ${MFA_CLIENT_PATH}`],
});
