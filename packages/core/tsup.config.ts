// The shared build (../../tsup.config.ts) with the core's three entry points: `@mfakit/core`,
// `@mfakit/core/http` and `@mfakit/core/store`, as dist/index, dist/http and dist/store.
import { defineConfig } from 'tsup';
import base from '../../tsup.config';

export default defineConfig({
  ...base,
  entry: { index: 'src/index.ts', http: 'src/http/index.ts', store: 'src/store/index.ts' },
  // One copy of the shared code for the three entries: `guard` of /http must find the context of an
  // Mfa made by the main entry (and an MfaError be one class), so the entries share chunks.
  splitting: true,
});
