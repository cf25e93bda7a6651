/**
 * Requirements that requireMfa (Express, Koa) and `@RequireMFA()` (NestJS) must refuse with
 * MfaError `invalid_option` when they are built, not on the first request: each with a name for
 * a test title, and typed loosely, since they are wrong on purpose.
 *
 * @example
 * test.each(BAD_REQUIREMENTS)('requireMfa with %s throws invalid_option', (_name, options) => {
 *   expect(() => requireMfa(mfa, options as never)).toThrow(expect.objectContaining({ code: 'invalid_option' }));
 * });
 */
export const BAD_REQUIREMENTS: [name: string, requirement: object][] = [
  ['an unparsable maxAge', { maxAge: 'soon' }],
  ['a negative maxAge', { maxAge: -5 }],
  ['an empty methods list', { methods: [] }],
  ['a method that is not an RFC 8176 value', { methods: ['HWK!'] }],
];
