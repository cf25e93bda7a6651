// Threat: the enrollment page pulls code from elsewhere (a CDN that can be swapped), renders
// server text as HTML, or can be framed. It is served by the app itself, with a CSP that allows
// only its own script and data: images (the QR code).
import fs from 'node:fs';
import path from 'node:path';
import request from 'supertest';
import { demo } from './helpers';

const PUBLIC = path.join(__dirname, '..', 'public');
const { app } = demo();

test('GET / serves the page with its script and stylesheet', async () => {
  const res = await request(app).get('/');
  expect(res.status).toBe(200);
  expect(res.headers['content-type']).toMatch(/^text\/html/);
  expect(res.text).toContain('<script src="app.js" defer></script>');
  expect(res.text).toContain('href="style.css"');
  for (const user of ['alice', 'bob', 'carol', 'svc-reports']) expect(res.text).toContain(`data-user="${user}"`);
  expect((await request(app).get('/app.js')).headers['content-type']).toMatch(/javascript/);
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
  const files = ['index.html', 'app.js', 'style.css'].map((f) => fs.readFileSync(path.join(PUBLIC, f), 'utf8'));
  for (const text of files) expect(text).not.toMatch(/(?:src|href)\s*=\s*["']?(?:https?:)?\/\//i);
  const script = files[1]!;
  expect(script).not.toMatch(/innerHTML|outerHTML|insertAdjacentHTML|document\.write|eval\(/);
  expect(script).toContain('sessionStorage');
  expect(script).not.toContain('localStorage');
});
