// The Express demo's route inventory (the threat: a route left without its guard; see describeDemoRoutes).
import { describeDemoRoutes } from '@mfakit/testing';
import { assertEveryRouteGuarded, mfaRoutes } from '@mfakit/express';
import { MFA_CLIENT_PATH } from '@mfakit/example-shared';
import { createApp } from '../src/app';

const { app } = createApp({ logger: { warn: () => undefined, error: () => undefined } });

describeDemoRoutes({
  list: () => mfaRoutes(app),
  assert: (except) => assertEveryRouteGuarded(app, { except }),
  // The page's scripts: the WebAuthn browser library and @mfakit/client, bundled.
  alsoOpen: ['GET /vendor/simplewebauthn-browser.js', `GET ${MFA_CLIENT_PATH}`],
});
