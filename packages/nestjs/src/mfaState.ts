import type { MfaState as CoreMfaState } from '@mfakit/core';
import { createParamDecorator, type ExecutionContext } from '@nestjs/common';
import type { MfaHttpRequest } from './lib/http';

/**
 * The MFA state of a request that `MfaGuard` let through (`req.mfa`): the user id, whether the
 * user is exempt, the proved methods (`amr`), the time of the last proof (`authTime`), the
 * session's expiry and factor. `undefined` on a route the guard did not check.
 *
 * @example
 * ```ts
 * @RequireMFA()
 * @Get('profile')
 * profile(@MfaState() mfa: MfaState) {
 *   return { user: mfa.userId, methods: mfa.amr };
 * }
 * ```
 */
export const MfaState = createParamDecorator((_data: unknown, context: ExecutionContext): CoreMfaState | undefined => {
  return context.switchToHttp().getRequest<MfaHttpRequest>().mfa;
});

/**
 * The MFA state `@MfaState()` hands over; the same type as `MfaState` of `@mfakit/core`.
 *
 * @example
 * show(@MfaState() mfa: MfaState) { return mfa.amr; }
 */
export type MfaState = CoreMfaState;
