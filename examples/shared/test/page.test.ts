// Threat: the enrollment page, which every demo serves, pulls code from elsewhere (a CDN that can
// be swapped), renders server text as HTML, or keeps tokens where they outlive the tab; or the
// passkey script the demos serve is not the installed @simplewebauthn/browser; or the page
// decides by hand when to ask for a proof, beside @mfakit/client, and the two disagree. How the
// demos serve these files (paths, types, CSP) is in the HTTP contract.
import fs from 'node:fs';
import path from 'node:path';
import vm from 'node:vm';
import { MFA_CLIENT_PATH, mfaClientBundle, PUBLIC_DIR, WEBAUTHN_BROWSER_BUNDLE } from '@mfakit/example-shared';

const SCRIPTS = ['passkeys.js', 'app.js', 'actions.js', 'payees.js', 'oob.js', 'inbox.js', 'admin.js'];
const read = (file: string) => fs.readFileSync(path.join(PUBLIC_DIR, file), 'utf8');
/** A script's code alone: its comments may explain what the client does. */
const withoutComments = (script: string) => script.replace(/\/\*[\s\S]*?\*\//g, '').replace(/^\s*\/\/.*$/gm, '');

test('the page loads every script of the public folder, in order, deferred', () => {
  const html = read('index.html');
  const loaded = [...html.matchAll(/<script src="([^"]+)" defer><\/script>/g)].map((m) => m[1]);
  expect(loaded).toEqual(['vendor/simplewebauthn-browser.js', MFA_CLIENT_PATH.slice(1), ...SCRIPTS]);
  const inFolder = fs.readdirSync(PUBLIC_DIR).filter((file) => file.endsWith('.js'));
  expect(inFolder.sort()).toEqual([...SCRIPTS].sort());
});

test('the page loads nothing from another origin and writes no server text as HTML', () => {
  for (const text of ['index.html', 'style.css', ...SCRIPTS].map(read)) expect(text).not.toMatch(/(?:src|href)\s*=\s*["']?(?:https?:)?\/\//i);
  for (const script of SCRIPTS.map(read)) {
    expect(script).not.toMatch(/innerHTML|outerHTML|insertAdjacentHTML|document\.write|eval\(/);
    expect(script).not.toContain('localStorage');
  }
  expect(read('app.js')).toContain('sessionStorage');
});

test('WEBAUTHN_BROWSER_BUNDLE is the UMD bundle of the installed @simplewebauthn/browser 14', () => {
  const installed = path.dirname(path.dirname(require.resolve('@simplewebauthn/browser')));
  expect(path.relative(installed, WEBAUTHN_BROWSER_BUNDLE)).toBe(path.join('dist', 'bundle', 'index.umd.min.js'));
  const bundle = fs.readFileSync(WEBAUTHN_BROWSER_BUNDLE, 'utf8');
  expect(bundle).toMatch(/^\/\* \[@simplewebauthn\/browser@14\./);
  const page: { SimpleWebAuthnBrowser?: Record<string, unknown> } = {};
  vm.runInNewContext(bundle, page);
  expect(typeof page.SimpleWebAuthnBrowser?.startRegistration).toBe('function');
  expect(typeof page.SimpleWebAuthnBrowser?.startAuthentication).toBe('function');
});

test('the page calls through @mfakit/client, which holds the MFA session and alone decides when to ask for a proof', () => {
  const actions = read('actions.js');
  expect(actions).toContain('MfaClient.createMfaFetch({');
  expect(actions).toMatch(/session: \{ get: sessionToken, set: setSessionToken \}/);
  expect(read('app.js')).toMatch(/await mfaFetch\(action\)\(path, /);
  for (const script of SCRIPTS.map(read).map(withoutComments)) {
    // No reading of challenges, of the step-up problem codes, or inline codes and grants by hand.
    expect(script).not.toMatch(/WWW-Authenticate|insufficient_user_authentication|max_age|mfa_stale|mfa_required|X-MFA-Token|X-MFA-Grant|X-Session-Token/i);
    // Every call goes through api() and the client's fetch, which alone calls the window's.
    expect(script.replace('fetch: (input, init) => window.fetch(input, init),', '')).not.toMatch(/\bfetch\(/);
  }
});

test('mfaClientBundle is @mfakit/client as one script that defines window.MfaClient', () => {
  const bundle = mfaClientBundle();
  expect(bundle).toBe(mfaClientBundle()); // built once per process
  const page: { MfaClient?: Record<string, unknown> } = {};
  vm.runInNewContext(bundle, page);
  expect(Object.keys(page.MfaClient ?? {})).toEqual(expect.arrayContaining(['createMfaFetch', 'MfaClientError', 'parseWwwAuthenticate', 'stepUpRequirement']));
});
