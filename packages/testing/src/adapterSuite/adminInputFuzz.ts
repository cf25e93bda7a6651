/**
 * Threat: input nobody wrote down, on the admin routes, which can strip a user's factors or exempt
 * them from MFA: an odd method, path, header or body crashing a handler into a 500, answering
 * something other than a problem, leaking a secret or a stack trace, or polluting a prototype.
 * The property of the adapter suite's `inputFuzz` part (see there), over ADMIN_ROUTES and the
 * contract's routes of an app as the admin suite builds it, with an administrator signed in with a
 * fresh MFA session among the identities.
 */
import { METHODS, type RequestListener, type Server } from 'node:http';
import { createMfa, MemoryStore, type Mfa } from '@mfakit/core';
import { ADMIN_ROUTES, type AdminOptions, CONTRACT_ROUTES } from '@mfakit/core/http';
import fc from 'fast-check';
import { TEST_ENCRYPTION_KEYS, TEST_RECOVERY_CODE_COST } from '../contract/lib/harness';
import { FakeClock } from '../fakeClock';
import { totpCode } from '../otp';
import type { WireHeader } from './arbitraries';
import { checkRequest, FUZZ_RUNS, type FuzzContext, fuzzedRequest, prototypeSnapshot, withConsoleCaptured } from './lib/inputProperty';
import { type Listening, listenCounting } from './rawHttp';

const TEMPLATES = [...ADMIN_ROUTES.map((route) => `/mfa/admin${route.path}`), '/mfa/admin', ...CONTRACT_ROUTES.map((route) => `/mfa${route.path === '/' ? '' : route.path}`), '/protected'];
const SWEPT_METHODS = METHODS.filter((method) => method !== 'CONNECT');

/** An app of the admin suite (`AdminApp`), spelled out here: the admin suite registers this part, and imports may not go round in a cycle. */
export interface AdminApp {
  handler: RequestListener | Server;
  close?(): Promise<void>;
}

/** The admin suite's `AdminAppFactory`: the admin router at /mfa/admin, the enrollment router at /mfa, `X-Test-User` and `X-Test-Roles`. */
export type AdminAppFactory = (mfa: Mfa, admin: AdminOptions) => AdminApp | Promise<AdminApp>;

/** A first TOTP factor enrolled through the core: what must never come out again. */
async function enroll(mfa: Mfa, clock: FakeClock, userId: string): Promise<{ sessionToken: string; secrets: string[] }> {
  const started = await mfa.startEnrollment({ user: { id: userId } }, 'totp');
  if (!started.ok) throw new Error(`enrollment of ${userId}: ${started.problem.code}`);
  const { factorId, secret } = started.value;
  const confirmed = await mfa.confirmEnrollment({ user: { id: userId } }, 'totp', factorId, totpCode(secret, clock));
  if (!confirmed.ok) throw new Error(`confirmation of ${userId}: ${confirmed.problem.code}`);
  const { session, recoveryCodes = [] } = confirmed.value;
  return { sessionToken: session.sessionToken, secrets: [secret, session.sessionToken, ...recoveryCodes, ...recoveryCodes.map((code) => code.replaceAll('-', ''))] };
}

/**
 * The admin routes (ADMIN_ROUTES) of one framework under fuzzed input: every method on every path,
 * then random methods, targets, headers and bodies (fast-check); never a 5xx, a problem for every
 * 4xx under `/mfa`, no secret or stack trace in an answer or a log line, no prototype polluted.
 * Each test builds its own app through `makeApp`, as the admin suite does.
 *
 * @param makeApp The admin suite's factory (see `describeAdminRoutes`).
 * @example
 * // in describeAdminRoutes(name, makeApp):
 * describeAdminInputFuzz(makeApp);
 */
export function describeAdminInputFuzz(makeApp: AdminAppFactory): void {
  describe('admin routes: input nobody wrote down (property-based)', () => {
    const opened: (AdminApp | Listening)[] = [];
    afterEach(async () => {
      await Promise.all(opened.splice(0).map((app) => app.close?.()));
    });

    /** An app with an administrator and a user enrolled, listening, and what it logs. */
    async function fuzzing(lines: string[]): Promise<{ context: FuzzContext; errors: string[] }> {
      const clock = new FakeClock();
      const factors = new MemoryStore({ clock });
      const errors: string[] = [];
      const warnings: string[] = [];
      const mfa = createMfa({
        issuer: 'Acme',
        stores: { factors, state: factors },
        encryptionKeys: TEST_ENCRYPTION_KEYS,
        recoveryCodeCost: TEST_RECOVERY_CODE_COST,
        clock,
        logger: { warn: (message) => warnings.push(message), error: (message) => errors.push(message) },
      });
      const app = await makeApp(mfa, { authorize: (user) => user.roles?.includes('admin') ?? false });
      opened.push(app);
      const root = await enroll(mfa, clock, 'root');
      const carol = await enroll(mfa, clock, 'carol');
      const server = await listenCounting(app.handler);
      opened.push(server);
      const identities: WireHeader[][] = [
        [],
        [
          ['X-Test-User', 'root'],
          ['X-Test-Roles', 'admin,staff'],
          ['X-Session-Token', root.sessionToken],
        ],
        [
          ['X-Test-User', 'root'],
          ['X-Test-Roles', 'admin'],
        ],
        [
          ['X-Test-User', 'carol'],
          ['X-Test-Roles', 'staff'],
          ['X-Session-Token', carol.sessionToken],
        ],
        [
          ['X-Test-User', 'carol'],
          ['X-Test-Roles', 'admin'],
          ['X-Session-Token', root.sessionToken],
        ],
      ];
      const context = { server, templates: TEMPLATES, identities, secrets: [...root.secrets, ...carol.secrets], coreLog: () => [...warnings, ...errors], consoleLog: () => lines };
      return { context, errors };
    }

    test('every method on every admin path: never a 5xx, a problem for every 4xx, nothing leaked', async () => {
      const lines: string[] = [];
      const errors = await withConsoleCaptured(lines, async () => {
        const { context, errors } = await fuzzing(lines);
        const prototypes = prototypeSnapshot();
        const headers: WireHeader[] = [...context.identities[1]!, ['Content-Type', 'application/json']];
        const body = Buffer.from('{"reason":"Lost phone","expiresAt":"2030-01-01T00:00:00.000Z"}');
        for (const template of TEMPLATES) {
          const target = template.replace(':userId', 'carol').replace(':factorId', 'fac_x');
          for (const method of SWEPT_METHODS) await checkRequest(context, { method, target, headers, body }, prototypes);
        }
        return errors;
      });
      expect(errors).toEqual([]);
    });

    test('random methods, targets, headers and bodies: never a 5xx, a problem for every 4xx, nothing leaked, no prototype polluted', async () => {
      const lines: string[] = [];
      const errors = await withConsoleCaptured(lines, async () => {
        const { context, errors } = await fuzzing(lines);
        const prototypes = prototypeSnapshot();
        await fc.assert(
          fc.asyncProperty(fuzzedRequest(context), (request) => checkRequest(context, request, prototypes)),
          { numRuns: FUZZ_RUNS },
        );
        return errors;
      });
      expect(errors).toEqual([]);
    });
  });
}
