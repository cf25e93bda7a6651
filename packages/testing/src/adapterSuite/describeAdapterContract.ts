import { describeEnrollment } from './enrollment';
import { describeFailClosed } from './failClosed';
import { describeInputErrors } from './inputErrors';
import { describeInputFuzz } from './inputFuzz';
import { describeManagement } from './management';
import { describeOfficeAddress } from './officeAddress';
import { describeOnce } from './once';
import { describeProblemAnswers } from './problemAnswers';
import { describeRateLimit } from './rateLimit';
import { describeRequireMfa } from './requireMfa';
import type { AdapterAppFactory } from './types';
import { describeVerification } from './verification';
import { describeWebAuthn } from './webauthn';

/**
 * The HTTP contract of one framework adapter (DESIGN.md, "The HTTP contract"), end to end through
 * a tiny app: requireMfa and step-up, enrollment, verification and lockout, the management
 * routes, passkeys, malformed input and fuzzed input (fast-check), the per-address limit of
 * failures (an office behind one address among its tests), and failing closed when a store
 * fails, with the same statuses, headers and problem bodies on every framework. Each test builds
 * its own app through `makeApp`, around a new core on a FakeClock whose stores the suite holds
 * (a MemoryStore of factors, a FlakyStateStore of state), and closes it after the test.
 *
 * What is a framework's own (mounting, its modules and guards, its parser's quirks, options
 * refused at construction) stays in that adapter's tests.
 *
 * @param name What the outer describe is called, e.g. the framework.
 * @param makeApp Builds an app around a given core and options; see {@link AdapterAppFactory}.
 * @example
 * // packages/express/test/contract.test.ts
 * describeAdapterContract('express', (mfa, { rateLimit, bodyLimit, trustProxy }) => {
 *   const app = express();
 *   app.set('trust proxy', trustProxy ? 1 : false);
 *   app.use(testAuth); // X-Test-User: <id> makes req.user = { id }
 *   app.use('/mfa', mfaRouter(mfa, { rateLimit, bodyLimit: bodyLimit === undefined ? undefined : `${bodyLimit}b` }));
 *   app.get('/protected', requireMfa(mfa), (req, res) => res.json({ ok: true, user: req.user?.id, mfa: req.mfa }));
 *   app.post('/sensitive', requireFreshMfa(mfa, { maxAge: ADAPTER_STEP_UP_MAX_AGE }), (req, res) => res.json({ ok: true, mfa: req.mfa }));
 *   app.get('/hwk-only', requireMfa(mfa, { methods: ['hwk'] }), (req, res) => res.json({ ok: true, mfa: req.mfa }));
 *   app.post('/once', express.json({ verify: keepRawBody }), requireFreshMfa(mfa, { once: { bindBody: true } }), (req, res) => res.json({ ok: true, mfa: req.mfa }));
 *   return { handler: app };
 * });
 */
export function describeAdapterContract(name: string, makeApp: AdapterAppFactory): void {
  describe(`adapter contract: ${name}`, () => {
    describeRequireMfa(makeApp);
    describeOnce(makeApp);
    describeEnrollment(makeApp);
    describeVerification(makeApp);
    describeManagement(makeApp);
    describeWebAuthn(makeApp);
    describeInputErrors(makeApp);
    describeRateLimit(makeApp);
    describeOfficeAddress(makeApp);
    describeInputFuzz(makeApp);
    describeFailClosed(makeApp);
    describeProblemAnswers(makeApp);
  });
}
