// The shared build (../../tsup.config.ts) with the core's three entry points: `@mfakit/core`,
// `@mfakit/core/http` and `@mfakit/core/store`, as dist/index, dist/http and dist/store.
import { defineConfig } from 'tsup';
import base from '../../tsup.config';

export default defineConfig({
  ...base,
  entry: { index: 'src/index.ts', http: 'src/http/index.ts', store: 'src/store/index.ts' },
});
