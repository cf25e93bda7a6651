import { runDemo } from '@mfakit/example-shared';
import { createApp } from './app';

/** `pnpm start`: the Koa demo on http://localhost:PORT, configured from the environment. */
runDemo('Koa', async (options) => ({ handler: createApp(options).app.callback() }));
