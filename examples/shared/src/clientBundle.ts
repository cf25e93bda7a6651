import { buildSync } from 'esbuild';

/** Where every demo serves {@link mfaClientBundle} to its page. */
export const MFA_CLIENT_PATH = '/vendor/mfakit-client.js';

// The workspace's @mfakit/client, from its source (its `main` in the repository): the page runs what the repository holds.
const CLIENT_ENTRY = require.resolve('@mfakit/client');
// What the page's browsers run: fetch, Headers, crypto.subtle and the ES2020 syntax of the client.
const BROWSER_TARGET = 'es2020';

let bundle: string | undefined;

/**
 * @mfakit/client as one classic script for the page (`window.MfaClient`: `createMfaFetch`,
 * `MfaClientError`, ...), bundled from the workspace's source by esbuild, the first time it is
 * asked for in a process and then kept: every demo calls it once as it is built, so that a client
 * that does not build stops the start, and serves the text at {@link MFA_CLIENT_PATH}.
 *
 * @returns The script's text (an IIFE, not minified: the page is for reading too).
 * @throws esbuild's error when the client's source does not build.
 * @example
 * const script = mfaClientBundle();
 * app.get(MFA_CLIENT_PATH, (_req, res) => res.type('js').send(script));
 */
export function mfaClientBundle(): string {
  bundle ??= buildSync({
    entryPoints: [CLIENT_ENTRY],
    bundle: true,
    format: 'iife',
    globalName: 'MfaClient',
    platform: 'browser',
    target: BROWSER_TARGET,
    banner: { js: '/* @mfakit/client, bundled by the mfakit demo for its page (window.MfaClient) */' },
    write: false,
    logLevel: 'silent',
  }).outputFiles[0]!.text;
  return bundle;
}
