/**
 * Threat: the enrollment page pulls code from elsewhere (a CDN that can be swapped), is served
 * without its Content-Security-Policy, or can be framed. Every demo serves the same page at `/`
 * from its own origin, @simplewebauthn/browser included, with a CSP that allows only its own
 * script and data: images (the QR code).
 */
import vm from 'node:vm';
import type { DemoFactory } from './types';
import { expectProblem, useDemo } from './lib/harness';

const SCRIPTS = ['passkeys.js', 'app.js', 'actions.js'];
const CSP = "default-src 'self'; img-src 'self' data:; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

export function describePage(makeDemo: DemoFactory): void {
  describe('the page at /', () => {
    const demo = useDemo(makeDemo);

    test('GET / serves the page with its scripts and stylesheet', async () => {
      const res = await demo.http.get('/');
      expect(res.status).toBe(200);
      expect(res.headers['content-type']).toMatch(/^text\/html/);
      expect(res.text).toContain('<script src="vendor/simplewebauthn-browser.js" defer></script>');
      for (const script of SCRIPTS) expect(res.text).toContain(`<script src="${script}" defer></script>`);
      expect(res.text).toContain('href="style.css"');
      for (const user of ['alice', 'bob', 'carol', 'svc-reports']) expect(res.text).toContain(`data-user="${user}"`);
      for (const script of SCRIPTS) {
        const file = await demo.http.get(`/${script}`);
        expect({ script, status: file.status }).toEqual({ script, status: 200 });
        expect(file.headers['content-type']).toMatch(/javascript/);
      }
      const style = await demo.http.get('/style.css');
      expect(style.status).toBe(200);
      expect(style.headers['content-type']).toMatch(/^text\/css/);
    });

    test('the page is sent with a CSP that allows only its own files and data: images, and no framing', async () => {
      const res = await demo.http.get('/');
      expect(res.headers['content-security-policy']).toBe(CSP);
      expect(res.headers['x-content-type-options']).toBe('nosniff');
      expect(res.headers['x-frame-options']).toBe('DENY');
      expect(res.headers['referrer-policy']).toBe('no-referrer');
      expect(res.headers['x-powered-by']).toBeUndefined();
    });

    test('problem answers carry the same security headers', async () => {
      for (const res of [await demo.http.get('/api/nope'), await demo.http.get('/api/profile')]) {
        expect(res.headers['content-security-policy']).toBe(CSP);
        expect(res.headers['x-content-type-options']).toBe('nosniff');
        expect(res.headers['x-powered-by']).toBeUndefined();
      }
      expectProblem(await demo.http.get('/api/nope'), 404, 'not_found');
    });

    test('@simplewebauthn/browser 14 is served by the demo itself, complete, under the same CSP', async () => {
      const res = await demo.http.get('/vendor/simplewebauthn-browser.js');
      expect(res.status).toBe(200);
      expect(res.headers['content-type']).toMatch(/javascript/);
      expect(res.headers['content-security-policy']).toBe(CSP);
      expect(res.text).toMatch(/^\/\* \[@simplewebauthn\/browser@14\./);
      // The UMD bundle, run on its own, defines what the page calls.
      const page: { SimpleWebAuthnBrowser?: Record<string, unknown> } = {};
      vm.runInNewContext(res.text, page);
      expect(typeof page.SimpleWebAuthnBrowser?.startRegistration).toBe('function');
      expect(typeof page.SimpleWebAuthnBrowser?.startAuthentication).toBe('function');
    });
  });
}
