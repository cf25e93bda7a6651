import { type Duration, type Requirement, requirementOf } from '@mfakit/core';
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
export interface RequireMfaOptions {
  /** Step-up: the last proof must be at most this old (seconds, or a Duration such as '5m'). */
  maxAge?: Duration;
  /** At least one of these RFC 8176 methods must have been proved, e.g. `['hwk']`. */
  methods?: string[];
  /** Demand MFA even of users whom the policy (`policy.required`) does not require; exempt users still pass. @default false */
  always?: boolean;
}

/**
 * Marks a controller or a handler as needing an MFA session of the request's user (or an inline
 * `X-MFA-Token` code); `MfaGuard` enforces it. A handler's setting replaces its controller's.
 * The options are checked here, when the class is decorated, so a bad one fails at start-up
 * with `MfaError` `invalid_option`.
 *
 * @param options `maxAge` for step-up (RFC 9470 `max_age`), `methods` for a kind of factor,
 *   `always` to demand MFA of users the policy does not require.
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
