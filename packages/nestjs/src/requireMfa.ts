import type { Requirement } from '@mfakit/core';
import { requirementOf, type RequirementOptions } from '@mfakit/core/http';
import { type CustomDecorator, SetMetadata } from '@nestjs/common';

/**
 * The metadata key `@RequireMFA()` and `@SkipMfa()` write and `MfaGuard` reads: the route's
 * `Requirement`, or `false` for a route that needs no MFA. One key for both, so that the setting
 * closest to the handler wins (`reflector.getAllAndOverride(key, [handler, class])`).
 *
 * @example
 * const requirement = reflector.getAllAndOverride<Requirement | false>(MFA_REQUIREMENT, [context.getHandler(), context.getClass()]);
 */
export const MFA_REQUIREMENT = 'mfakit:requirement';

/**
 * What a route demands of the MFA session.
 *
 * @example
 * const stepUp: RequireMfaOptions = { maxAge: '5m', methods: ['hwk'] };
 */
export type RequireMfaOptions = RequirementOptions;

/**
 * Marks a controller or a handler as needing an MFA session of the request's user (or an inline
 * `X-MFA-Token` code); `MfaGuard` enforces it. A handler's setting replaces its controller's.
 * The options are checked here, when the class is decorated, so a bad one fails at start-up
 * with `MfaError` `invalid_option`.
 *
 * @param options `maxAge` for step-up (RFC 9470 `max_age`), `methods` for a kind of factor,
 *   `always` to demand MFA of users the policy does not require.
 * @returns A decorator that sets `MFA_REQUIREMENT` to the checked requirement.
 * @throws MfaError `invalid_option` for a bad `maxAge` or `methods`, or an `always` that is not
 *   a boolean, when the class is decorated.
 * @see NIST SP 800-63B 7.2 (reauthentication), for `maxAge`
 * @see https://www.rfc-editor.org/rfc/rfc9470 (step-up challenge)
 * @see https://www.rfc-editor.org/rfc/rfc8176 (authentication method reference values)
 *
 * @example
 * ```ts
 * @RequireMFA()
 * @UseGuards(AuthGuard('jwt'), MfaGuard)
 * @Controller('account')
 * export class AccountController {
 *   @Get() show(@MfaState() mfa: MfaState) { return mfa; }
 *   @RequireMFA({ maxAge: '5m' }) @Post('transfers') transfer() {}
 *   @RequireMFA({ methods: ['hwk'] }) @Delete() close() {}
 * }
 * ```
 */
export function RequireMFA(options: RequireMfaOptions = {}): CustomDecorator<string> {
  const requirement: Requirement = requirementOf(options ?? {}, '@RequireMFA');
  return SetMetadata(MFA_REQUIREMENT, requirement);
}

/**
 * Lets a handler (or a whole controller) through without MFA where `MfaGuard` would otherwise
 * enforce it: under a global guard with `requireByDefault: true`, or inside a controller marked
 * `@RequireMFA()`. The primary authentication still applies.
 *
 * @returns A decorator that sets `MFA_REQUIREMENT` to `false`.
 *
 * @example
 * ```ts
 * @RequireMFA()
 * @Controller('account')
 * export class AccountController {
 *   @SkipMfa() @Get('ping') ping() { return 'pong'; }
 * }
 * ```
 */
export function SkipMfa(): CustomDecorator<string> {
  return SetMetadata(MFA_REQUIREMENT, false);
}
