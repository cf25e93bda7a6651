import type { Mfa, MfaRequest, Requirement } from '@mfakit/core';
import { type Decision, guard } from '@mfakit/core/http';

/**
 * The decision on a protected route as every adapter's guard writes it (`guard` of
 * `@mfakit/core/http`): `{ allow, state, headers }` or `{ allow: false, response }` with the
 * HTTP answer. At once when the stores answer at once (the memory store), else a Promise.
 *
 * @example
 * expect(await decide(mfa, { user: { id: 'alice' } })).toMatchObject({ allow: false, response: { status: 401 } });
 */
export function decide(mfa: Mfa, req: MfaRequest, requirement: Requirement = {}): Decision | Promise<Decision> {
  return guard(mfa, req, requirement, (decision) => decision);
}
