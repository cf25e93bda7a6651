import type { Plugin } from 'esbuild';

/**
 * Keeps every package but the workspace's out of the bundle, required by its resolved path: the
 * bundle lives in a temporary folder, where `require('fastify')` would find nothing.
 */
export const externalPackages: Plugin = {
  name: 'external-packages',
  setup(builder) {
    builder.onResolve({ filter: /^[^./]/ }, async (args) => {
      if (args.path.startsWith('@mfakit/') || args.path.startsWith('node:') || args.pluginData === 'resolving') return undefined;
      const resolved = await builder.resolve(args.path, { kind: args.kind, resolveDir: args.resolveDir, importer: args.importer, pluginData: 'resolving' });
      if (resolved.errors.length > 0) return { errors: resolved.errors };
      return resolved.external ? { path: args.path, external: true } : { path: resolved.path, external: true };
    });
  },
};
