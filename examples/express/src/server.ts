import { runDemo } from '@mfakit/example-shared';
import { createApp } from './app';

/** `pnpm start`: the Express demo on http://localhost:PORT, configured from the environment. */
runDemo('Express', async (options) => ({ handler: createApp(options).app }));
