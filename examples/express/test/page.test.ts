// Threat: the enrollment page pulls code from elsewhere (a CDN that can be swapped), renders
// server text as HTML, or can be framed. It is served by the app itself, with a CSP that allows
// only its own script and data: images (the QR code).
import fs from 'node:fs';
import path from 'node:path';
import request from 'supertest';
import { PUBLIC_DIR, WEBAUTHN_BROWSER_BUNDLE } from '@mfakit/example-shared';
import { demo } from './helpers';

const PUBLIC = PUBLIC_DIR;
const SCRIPTS = ['passkeys.js', 'app.js', 'actions.js'];
const { app } = demo();

test('GET / serves the page with its script and stylesheet', async () => {
  const res = await request(app).get('/');
  expect(res.status).toBe(200);
  expect(res.headers['content-type']).toMatch(/^text\/html/);
  expect(res.text).toContain('<script src="app.js" defer></script>');
  expect(res.text).toContain('<script src="vendor/simplewebauthn-browser.js" defer></script>');
  for (const script of SCRIPTS) expect(res.text).toContain(`<script src="${script}" defer></script>`);
  expect(res.text).toContain('href="style.css"');
  for (const user of ['alice', 'bob', 'carol', 'svc-reports']) expect(res.text).toContain(`data-user="${user}"`);
  for (const script of SCRIPTS) expect((await request(app).get(`/${script}`)).headers['content-type']).toMatch(/javascript/);
  expect((await request(app).get('/style.css')).headers['content-type']).toMatch(/^text\/css/);
});

test('the page is sent with a CSP that allows only its own files and data: images, and no framing', async () => {
  const res = await request(app).get('/');
  expect(res.headers['content-security-policy']).toBe(
    "default-src 'self'; img-src 'self' data:; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'",
  );
  expect(res.headers['x-content-type-options']).toBe('nosniff');
  expect(res.headers['x-powered-by']).toBeUndefined();
});

test('the page loads nothing from another origin and writes no server text as HTML', () => {
  const read = (f: string) => fs.readFileSync(path.join(PUBLIC, f), 'utf8');
  for (const text of ['index.html', 'style.css', ...SCRIPTS].map(read)) expect(text).not.toMatch(/(?:src|href)\s*=\s*["']?(?:https?:)?\/\//i);
  for (const script of SCRIPTS.map(read)) {
    expect(script).not.toMatch(/innerHTML|outerHTML|insertAdjacentHTML|document\.write|eval\(/);
    expect(script).not.toContain('localStorage');
  }
  expect(read('app.js')).toContain('sessionStorage');
});

test('@simplewebauthn/browser is served by the app itself, from the installed package, under the same CSP', async () => {
  const res = await request(app).get('/vendor/simplewebauthn-browser.js');
  expect(res.status).toBe(200);
  expect(res.headers['content-type']).toMatch(/javascript/);
  expect(res.headers['content-security-policy']).toMatch(/^default-src 'self';/);
  const bundle = fs.readFileSync(WEBAUTHN_BROWSER_BUNDLE, 'utf8');
  expect(bundle).toMatch(/^\/\* \[@simplewebauthn\/browser@14\./);
  expect(res.text).toBe(bundle);
  expect(bundle).toContain('SimpleWebAuthnBrowser');
});
