/**
 * Threat: a misconfiguration that goes unnoticed until a request comes (a step-up route without
 * a window, a bad maxAge or method, a body limit or rate limit that body-parser or
 * express-rate-limit would only choke on, or log, later), leaving a route open or broken.
 * requireMfa, requireFreshMfa and mfaRouter check their options when they are built, and throw
 * MfaError invalid_option.
 */
import { MfaError } from '@mfakit/core';
import { BAD_REQUIREMENTS } from '@mfakit/testing';
import { mfaAdminRouter, mfaRouter, requireFreshMfa, requireMfa } from '../src';
import { testMfa } from './helpers';

describe('requireMfa and requireFreshMfa', () => {
  const mfa = testMfa();

  test('requireFreshMfa without maxAge throws MfaError invalid_option at construction', () => {
    const build = () => requireFreshMfa(mfa, {} as { maxAge: number });
    expect(build).toThrow(MfaError);
    expect(build).toThrow(expect.objectContaining({ code: 'invalid_option' }));
  });

  test.each(BAD_REQUIREMENTS)('requireMfa with %s throws invalid_option', (_name, options) => {
    expect(() => requireMfa(mfa, options as never)).toThrow(expect.objectContaining({ name: 'MfaError', code: 'invalid_option' }));
  });

  test('requireFreshMfa accepts a Duration string', async () => {
    expect(typeof requireFreshMfa(mfa, { maxAge: '5m' })).toBe('function');
  });
});

describe('mfaRouter', () => {
  test('a bad bodyLimit or rateLimit throws invalid_option at construction, not a TypeError or a logged warning later', () => {
    const mfa = testMfa();
    const bad = [{ bodyLimit: 'lots' }, { bodyLimit: 0 }, { rateLimit: { windowMs: 0, limit: 5 } }, { rateLimit: { windowMs: 60_000, limit: -1 } }, { rateLimit: true }];
    for (const options of bad) {
      expect(() => mfaRouter(mfa, options as never)).toThrow(expect.objectContaining({ name: 'MfaError', code: 'invalid_option' }));
    }
    expect(() => mfaAdminRouter(mfa, { authorize: () => true, bodyLimit: 'lots' })).toThrow(expect.objectContaining({ code: 'invalid_option' }));
    expect(() => mfaRouter(mfa, { rateLimit: false, bodyLimit: '8kb' })).not.toThrow();
  });
});
