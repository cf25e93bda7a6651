/**
 * Threat: input nobody wrote down. A request the tests never imagined (a method no route has, a
 * path spelled with dot segments, encoded slashes or look-alike Unicode, a header sent twice or
 * 20 kB long, a body with `__proto__` keys, lone surrogates, 7000 levels of nesting or numbers
 * beyond a double) crashing a handler into a 500, answering something other than a problem, leaking
 * a secret or a stack trace, or polluting a prototype for every later request. Property-based
 * (fast-check): every method on every path of the contract, then random requests, each checked:
 * never a 5xx; a 4xx of mfakit's is an RFC 9457 problem whose `status` is the HTTP status; the
 * user's TOTP secret, session token and recovery codes never come back, nor a stack trace, in a
 * body, a header or a log line; no prototype polluted. Requests go over raw sockets, so that
 * headers Node's client refuses (UTF-8, control characters) are sent too. A failure prints the
 * seed and the shrunk request.
 */
import { METHODS } from 'node:http';
import { CONTRACT_ROUTES } from '@mfakit/core/http';
import fc from 'fast-check';
import type { WireHeader } from './arbitraries';
import { enrollTotp, type Harness, useApps } from './lib/harness';
import { checkRequest, FUZZ_RUNS, type FuzzContext, fuzzedRequest, prototypeSnapshot, withConsoleCaptured } from './lib/inputProperty';
import { listenCounting } from './rawHttp';
import type { AdapterAppFactory } from './types';

/** The suite app's routes: the contract under /mfa, the protected routes, and paths beside them. */
const TEMPLATES = [...CONTRACT_ROUTES.map((route) => `/mfa${route.path === '/' ? '' : route.path}`), '/protected', '/sensitive', '/hwk-only', '/once', '/', '/mfa/admin/report', '/MFA/VERIFY'];

/** Every method Node's parser reads but CONNECT (a tunnel), for the sweep. */
const SWEPT_METHODS = METHODS.filter((method) => method !== 'CONNECT');

export function describeInputFuzz(makeApp: AdapterAppFactory): void {
  describe('input nobody wrote down (property-based)', () => {
    const start = useApps(makeApp);

    /** An app with alice enrolled, listening; the secrets that must never come out; what the logs say. */
    async function fuzzing(h: Harness, lines: string[]): Promise<FuzzContext> {
      const alice = await enrollTotp(h, 'alice');
      const server = await listenCounting(h.app);
      afterEachClose.push(server.close);
      return {
        server,
        templates: TEMPLATES,
        identities: identities(alice.sessionToken),
        secrets: [alice.secret, alice.sessionToken, ...alice.recoveryCodes, ...alice.recoveryCodes.map((code) => code.replaceAll('-', ''))],
        coreLog: () => [...h.logs.warn, ...h.logs.error],
        consoleLog: () => lines,
      };
    }
    const afterEachClose: (() => Promise<void>)[] = [];
    afterEach(async () => {
      await Promise.all(afterEachClose.splice(0).map((close) => close()));
    });

    test('every method on every path of the contract: never a 5xx, a problem for every 4xx, nothing leaked', async () => {
      const h = await start({ app: { trustProxy: true } });
      const lines: string[] = [];
      await withConsoleCaptured(lines, async () => {
        const context = await fuzzing(h, lines);
        const prototypes = prototypeSnapshot();
        for (const template of TEMPLATES) {
          for (const method of SWEPT_METHODS) {
            const target = template.replace(':factorId', 'fac_x');
            const headers: WireHeader[] = [...context.identities[2]!, ['Content-Type', 'application/json']];
            await checkRequest(context, { method, target, headers, body: Buffer.from('{"code":"123456"}') }, prototypes);
          }
        }
      });
      expect(h.logs.error).toEqual([]);
    });

    test('random methods, targets, headers and bodies: never a 5xx, a problem for every 4xx, nothing leaked, no prototype polluted', async () => {
      const h = await start({ app: { trustProxy: true } });
      const lines: string[] = [];
      await withConsoleCaptured(lines, async () => {
        const context = await fuzzing(h, lines);
        const prototypes = prototypeSnapshot();
        await fc.assert(
          fc.asyncProperty(fuzzedRequest(context), (request) => checkRequest(context, request, prototypes)),
          { numRuns: FUZZ_RUNS },
        );
      });
      expect(h.logs.error).toEqual([]);
    });
  });
}

/** Who a request is: nobody, alice with or without her session, bob with her session, an inline code. */
function identities(sessionToken: string): WireHeader[][] {
  return [
    [],
    [['X-Test-User', 'alice']],
    [
      ['X-Test-User', 'alice'],
      ['X-Session-Token', sessionToken],
    ],
    [
      ['X-Test-User', 'alice'],
      ['X-MFA-Token', '123456'],
    ],
    [['X-Test-User', 'bob']],
    [
      ['X-Test-User', 'bob'],
      ['X-Session-Token', sessionToken],
    ],
  ];
}
