// Standard assurance levels: a route's methods are asked for in the OpenID EAP ACR values (`phrh`
// for a hardware-bound key, `phr` for any passkey) or an organisation's own, through the `acr`
// option; an upstream `acr` claim that the policy trusts counts for the methods its value stands
// for. RFC 9470 sections 3 and 4; OpenID Connect EAP ACR Values 1.0.
import { DEFAULT_ACR_VALUES, MfaError, type MfaOptions, type MfaUser, type Requirement, UPSTREAM_FACTOR_ID } from '@mfakit/core';
import { mfaUserOf } from '@mfakit/core/http';
import { decide } from '@mfakit/testing';
import { enrollTotp, setup } from './helpers';

/**
 * The `acr_values` of the challenge on a route needing `methods` for alice, whose SSO did MFA
 * (a trusted amr `mfa`): a proof, of none of the route's methods.
 */
async function challengeFor(options: Partial<MfaOptions>, methods: string[]): Promise<string | undefined> {
  const h = setup({ ...options, policy: { trustedAmr: ['mfa'] } });
  const user: MfaUser = { id: 'alice', amr: ['mfa'], authTime: Math.floor(h.clock.now() / 1000) };
  const decision = await decide(h.mfa, { user }, { methods });
  if (decision.allow) throw new Error('an mfa proof passed a route that needs other methods');
  expect(decision.response.body).toMatchObject({ code: 'mfa_method_required' });
  return decision.response.headers['WWW-Authenticate']?.match(/acr_values="([^"]*)"/)?.[1];
}

describe('the challenge speaks the OpenID EAP ACR values by default', () => {
  test.each([
    [['hwk'], 'phrh'],
    [['hwk', 'swk'], 'phr'],
    [['swk', 'hwk'], 'phr'],
    [['hwk', 'hwk'], 'phrh'],
    [['otp'], 'otp'],
    [['swk'], 'swk'],
    [['hwk', 'otp'], 'hwk otp'],
    [['hwk', 'swk', 'sms'], 'hwk swk sms'],
  ])('methods %j: acr_values="%s"', async (methods, acrValues) => {
    expect(await challengeFor({}, methods)).toBe(acrValues);
  });

  test('mfa.check carries the same values as data', async () => {
    const h = setup();
    const alice = await enrollTotp(h);
    const req = { user: alice.user, sessionToken: alice.sessionToken };
    expect(await h.mfa.check(req, { methods: ['hwk'] })).toMatchObject({ ok: false, problem: { challenge: { acrValues: ['phrh'] } } });
    expect(await h.mfa.check(req, { methods: ['swk', 'hwk'] })).toMatchObject({ ok: false, problem: { challenge: { acrValues: ['phr'] } } });
    expect(await h.mfa.check(req, { methods: ['sms'] })).toMatchObject({ ok: false, problem: { challenge: { acrValues: ['sms'] } } });
  });

  test('the defaults are exported, frozen', () => {
    expect(DEFAULT_ACR_VALUES).toEqual({ phrh: ['hwk'], phr: ['hwk', 'swk'] });
    expect(Object.isFrozen(DEFAULT_ACR_VALUES) && Object.isFrozen(DEFAULT_ACR_VALUES.phr)).toBe(true);
  });
});

describe("an organisation's own mapping", () => {
  const acr = { values: { 'urn:acme:loa:4': ['hwk'], silver: ['otp', 'hwk'] } };

  test('replaces the defaults: its values are asked for, the EAP ones no longer', async () => {
    expect(await challengeFor({ acr }, ['hwk'])).toBe('urn:acme:loa:4');
    expect(await challengeFor({ acr }, ['hwk', 'otp'])).toBe('silver');
    expect(await challengeFor({ acr }, ['hwk', 'swk'])).toBe('hwk swk');
  });

  test('spread with the defaults, both are spoken', async () => {
    const both = { values: { ...DEFAULT_ACR_VALUES, silver: ['otp', 'hwk'] } };
    expect(await challengeFor({ acr: both }, ['hwk'])).toBe('phrh');
    expect(await challengeFor({ acr: both }, ['otp', 'hwk'])).toBe('silver');
  });

  test('an empty mapping asks for the methods themselves, as before ACR values', async () => {
    expect(await challengeFor({ acr: { values: {} } }, ['hwk'])).toBe('hwk');
  });

  test('its values are trusted upstream through the same mapping', async () => {
    const h = setup({ acr, policy: { trustedAcr: ['urn:acme:loa:4'] } });
    const user: MfaUser = { id: 'alice', acr: 'urn:acme:loa:4', authTime: Math.floor(h.clock.now() / 1000) };
    const decision = await decide(h.mfa, { user }, { methods: ['hwk'] });
    expect(decision.allow && decision.state).toMatchObject({ amr: ['hwk'], factorId: UPSTREAM_FACTOR_ID });
  });
});

describe('a trusted upstream acr counts for the methods its value stands for', () => {
  const route = (methods?: string[]): Requirement => (methods ? { methods } : {});

  test('phrh meets a route that needs hwk, one that takes any passkey, and one with no methods, with amr [hwk]', async () => {
    const h = setup({ policy: { trustedAcr: ['phrh', 'phr'] } });
    const user: MfaUser = { id: 'alice', acr: 'phrh', authTime: Math.floor(h.clock.now() / 1000) };
    for (const methods of [['hwk'], ['hwk', 'swk'], undefined]) {
      const decision = await decide(h.mfa, { user }, route(methods));
      expect(decision.allow && decision.state).toEqual({
        userId: 'alice',
        exempt: false,
        amr: ['hwk'],
        authTime: h.clock.now(),
        expiresAt: h.clock.now() + 12 * 3600_000,
        factorId: UPSTREAM_FACTOR_ID,
      });
    }
  });

  test('phr meets a route that takes any passkey, not one that needs a hardware key (it may have been a synced passkey)', async () => {
    const h = setup({ policy: { trustedAcr: ['phrh', 'phr'] } });
    const user: MfaUser = { id: 'alice', acr: 'phr', authTime: Math.floor(h.clock.now() / 1000) };
    const passkey = await decide(h.mfa, { user }, { methods: ['swk', 'hwk'] });
    expect(passkey.allow && passkey.state.amr).toEqual(['hwk', 'swk']);
    const hardware = await decide(h.mfa, { user }, { methods: ['hwk'] });
    expect(!hardware.allow && hardware.response.body).toMatchObject({ code: 'mfa_method_required' });
    expect(!hardware.allow && hardware.response.headers['WWW-Authenticate']).toContain('acr_values="phrh"');
  });

  test('with trustedAmr too, both count: a trusted amr value and the methods of a trusted acr', async () => {
    const h = setup({ policy: { trustedAmr: ['mfa'], trustedAcr: ['phrh'] } });
    const user: MfaUser = { id: 'alice', amr: ['pwd', 'mfa'], acr: 'phrh', authTime: Math.floor(h.clock.now() / 1000) };
    const decision = await decide(h.mfa, { user }, { methods: ['hwk'] });
    expect(decision.allow && decision.state.amr).toEqual(['mfa', 'hwk']);
  });

  test('mfaUserOf reads an acr claim that is a string, and nothing else', () => {
    expect(mfaUserOf({ sub: 'alice', acr: 'phrh', auth_time: 1_767_225_600 })).toEqual({ id: 'alice', acr: 'phrh', authTime: 1_767_225_600 });
    for (const acr of [['phrh'], 3, null, { value: 'phrh' }]) expect(mfaUserOf({ sub: 'alice', acr })).toEqual({ id: 'alice' });
  });
});

describe('bad ACR options stop createMfa', () => {
  test.each([
    ['acr not an object', { acr: 'phrh' }],
    ['acr null', { acr: null }],
    ['values a list', { acr: { values: [['hwk']] } }],
    ['values null', { acr: { values: null } }],
    ['a value with a space', { acr: { values: { 'loa 4': ['hwk'] } } }],
    ['a value with a double quote', { acr: { values: { 'loa"4': ['hwk'] } } }],
    ['a value with a backslash', { acr: { values: { 'loa\\4': ['hwk'] } } }],
    ['an empty value', { acr: { values: { '': ['hwk'] } } }],
    ['a value of 256 characters', { acr: { values: { ['a'.repeat(256)]: ['hwk'] } } }],
    ['no methods', { acr: { values: { gold: [] } } }],
    ['methods not a list', { acr: { values: { gold: 'hwk' } } }],
    ['a method that is not an RFC 8176 value', { acr: { values: { gold: ['HWK!'] } } }],
    ['a method named twice', { acr: { values: { gold: ['hwk', 'hwk'] } } }],
    ['two values for the same methods', { acr: { values: { gold: ['hwk', 'swk'], silver: ['swk', 'hwk'] } } }],
    ['trustedAcr not a list', { policy: { trustedAcr: 'phrh' } }],
    ['trustedAcr with a non-string', { policy: { trustedAcr: [1] } }],
    ['trustedAcr with a value not in the mapping', { policy: { trustedAcr: ['gold'] } }],
    ['trustedAcr with a default value the mapping dropped', { acr: { values: { gold: ['hwk'] } }, policy: { trustedAcr: ['phrh'] } }],
  ])('%s: invalid_option', (_name, options) => {
    let caught: unknown;
    try {
      setup(options as Partial<MfaOptions>);
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(MfaError);
    expect((caught as MfaError).code).toBe('invalid_option');
  });

  test('a URI as an ACR value is accepted', () => {
    expect(() => setup({ acr: { values: { 'https://acme.example/loa/4': ['hwk'] } }, policy: { trustedAcr: ['https://acme.example/loa/4'] } })).not.toThrow();
  });
});
