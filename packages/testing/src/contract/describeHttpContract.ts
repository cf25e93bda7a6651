import { describeAdmin } from './admin';
import { describeEnrollment } from './enrollment';
import { describeExempt } from './exempt';
import { describeLockout } from './lockout';
import { describeLogin } from './login';
import { describeMalformedInput } from './malformedInput';
import { describeOob } from './oob';
import { describePage } from './page';
import { describePayees } from './payees';
import { describeRateLimit } from './rateLimit';
import { describeRecovery } from './recovery';
import { describeSessionBinding } from './sessionBinding';
import { describeSso } from './sso';
import { describeStartup } from './startup';
import { describeStepUp } from './stepUp';
import type { DemoFactory } from './types';
import { describeWebAuthn } from './webauthn';

/**
 * The HTTP contract of the mfakit demos (DESIGN.md, "The HTTP contract"), run against one demo:
 * the same users and routes (POST /auth/login, GET /api/profile behind requireMfa, POST
 * /api/transfers behind the step-up check, POST /api/payees behind a proof made for each request
 * (a step-up grant bound to the body, or an inline code), GET /api/me, /api/notifications and /api/outbox
 * behind the primary authentication only, the /mfa and /mfa/admin routes, the page at /), an
 * SSO's tokens trusted for MFA (amr 'mfa', auth_time), and the same
 * statuses, headers and problem bodies, whatever the framework. Each area builds its own demos
 * through `makeDemo`, on a FakeClock, and fails if a demo logs an error.
 *
 * @param name What the outer describe is called, e.g. the framework.
 * @param makeDemo Builds a demo from the options the suite sets; see {@link DemoFactory}.
 * @example
 * // examples/express/test/contract.test.ts
 * describeHttpContract('express', async (options) => {
 *   const { app, mfa } = createApp(options);
 *   return { handler: app };
 * });
 */
export function describeHttpContract(name: string, makeDemo: DemoFactory): void {
  describe(`HTTP contract: ${name}`, () => {
    describeLogin(makeDemo);
    describeEnrollment(makeDemo);
    describeExempt(makeDemo);
    describeSessionBinding(makeDemo);
    describeStepUp(makeDemo);
    describePayees(makeDemo);
    describeLockout(makeDemo);
    describeRecovery(makeDemo);
    describeWebAuthn(makeDemo);
    describeOob(makeDemo);
    describeSso(makeDemo);
    describeAdmin(makeDemo);
    describeRateLimit(makeDemo);
    describeMalformedInput(makeDemo);
    describePage(makeDemo);
    describeStartup(makeDemo);
  });
}
