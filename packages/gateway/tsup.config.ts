// The shared build (../../tsup.config.ts) with a second entry: the code of the bin
// (bin/mfakit-gateway.js requires dist/cli.js).
import { defineConfig } from 'tsup';
import base from '../../tsup.config';

export default defineConfig({ ...base, entry: { index: 'src/index.ts', cli: 'src/cli.ts' }, splitting: true });
