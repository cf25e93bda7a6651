// The one build of every public package (`pnpm build` runs `tsup --config ../../tsup.config.ts` in
// each): src/index.ts into dist/ as CommonJS (index.js, index.d.ts; the packages are "type":
// "commonjs") and as ES modules (index.mjs, index.d.mts). Dependencies and peers stay imports
// (tsup leaves out what package.json lists), and tsconfig.build.json has no `paths`, so
// @mfakit/core is never inlined. emitDecoratorMetadata (tsconfig.base.json) makes tsup compile
// through @swc/core, which writes the `design:paramtypes` that NestJS's constructor injection reads.
import { defineConfig } from 'tsup';

export default defineConfig({
  entry: ['src/index.ts'],
  format: ['esm', 'cjs'],
  // tsup's declaration build sets `baseUrl`, which TypeScript 6 deprecates.
  dts: { compilerOptions: { ignoreDeprecations: '6.0' } },
  tsconfig: '../../tsconfig.build.json',
  platform: 'node',
  target: 'node20',
  removeNodeProtocol: false, // keep `node:crypto` as written
  clean: true,
  splitting: false,
});
