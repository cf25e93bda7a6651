// parseWwwAuthenticate follows RFC 9110 section 11's grammar exactly (and refuses the rest); stepUpRequirement reads RFC 9470's challenge.
import { type Challenge, ChallengeParseError, type ChallengeParseErrorCode, parseWwwAuthenticate, stepUpRequirement } from '@mfakit/client';
import type { Challenge as CoreChallenge, ProblemCode } from '@mfakit/core';
import { problemResponse, stepUpChallenge as buildStepUpChallenge } from '@mfakit/core/http';

const bearer = (params: Record<string, string> = {}): Challenge => ({ scheme: 'Bearer', params });

/** The error a value throws, for its code and position. */
function refusal(value: string | string[]): ChallengeParseError {
  try {
    parseWwwAuthenticate(value);
  } catch (err) {
    if (err instanceof ChallengeParseError) return err;
    throw err;
  }
  throw new Error(`parsed: ${JSON.stringify(value)}`);
}

describe('valid values', () => {
  test.each<[string, string, Challenge[]]>([
    ['an empty value', '', []],
    ['a scheme alone', 'Bearer', [bearer()]],
    ['a scheme and a trailing space', 'Bearer ', [bearer()]],
    ['one parameter', 'Basic realm="simple"', [{ scheme: 'Basic', params: { realm: 'simple' } }]],
    ['a token value', 'Bearer max_age=300', [bearer({ max_age: '300' })]],
    ['an empty quoted-string', 'Bearer realm=""', [bearer({ realm: '' })]],
    ['one challenge, two parameters', 'Bearer realm="x", error="y"', [bearer({ realm: 'x', error: 'y' })]],
    ['two challenges', 'Basic realm="x", Bearer error="y"', [{ scheme: 'Basic', params: { realm: 'x' } }, bearer({ error: 'y' })]],
    ['a scheme alone before another challenge', 'Bearer, Basic realm="x"', [bearer(), { scheme: 'Basic', params: { realm: 'x' } }]],
    ['a scheme alone after another challenge', 'Basic realm="x", Bearer', [{ scheme: 'Basic', params: { realm: 'x' } }, bearer()]],
    [
      "RFC 9110 section 11.6.1's example",
      'Newauth realm="apps", type=1, title="Login to \\"apps\\"", Basic realm="simple"',
      [
        { scheme: 'Newauth', params: { realm: 'apps', type: '1', title: 'Login to "apps"' } },
        { scheme: 'Basic', params: { realm: 'simple' } },
      ],
    ],
    ['escapes', 'Bearer d="a \\"b\\" \\\\ c\\d\\ "', [bearer({ d: 'a "b" \\ cd ' })]],
    ['commas and equals signs inside a quoted-string', 'Bearer d="a, b=c", e=f', [bearer({ d: 'a, b=c', e: 'f' })]],
    ['obs-text inside a quoted-string', 'Bearer realm="caf\u00e9"', [bearer({ realm: 'caf\u00e9' })]],
    ['every tchar in a scheme and a token value', "X!#$%&'*+-.^_`|~9 a=!#$%&'*+-.^_`|~9", [{ scheme: "X!#$%&'*+-.^_`|~9", params: { a: "!#$%&'*+-.^_`|~9" } }]],
    ['parameters named after Object.prototype', 'Bearer constructor=a, __proto__=b, toString=c', [bearer({ constructor: 'a', ['__proto__']: 'b', tostring: 'c' })]],
    ['token68', 'Basic dXNlcjpwYXNz', [{ scheme: 'Basic', params: {}, token68: 'dXNlcjpwYXNz' }]],
    ['token68 with padding', 'Negotiate abc==', [{ scheme: 'Negotiate', params: {}, token68: 'abc==' }]],
    ['token68 with every character', 'X aZ09-._~+/=', [{ scheme: 'X', params: {}, token68: 'aZ09-._~+/=' }]],
    ['`abc=` at the end: token68, not a parameter without a value', 'Bearer abc=', [{ scheme: 'Bearer', params: {}, token68: 'abc=' }]],
    ['`realm= ` at the end: token68 as well', 'Bearer realm= ', [{ scheme: 'Bearer', params: {}, token68: 'realm=' }]],
    [
      '`abc=` before a comma: token68, then a challenge',
      'Bearer abc=, Negotiate',
      [
        { scheme: 'Bearer', params: {}, token68: 'abc=' },
        { scheme: 'Negotiate', params: {} },
      ],
    ],
    ['`abc= def`: a parameter with whitespace around "="', 'Bearer abc= def', [bearer({ abc: 'def' })]],
    [
      'token68 then a challenge with parameters',
      'Basic dXNlcjpwYXNz, Bearer realm="a"',
      [
        { scheme: 'Basic', params: {}, token68: 'dXNlcjpwYXNz' },
        { scheme: 'Bearer', params: { realm: 'a' } },
      ],
    ],
    ['empty elements before', ', , Bearer realm="a"', [bearer({ realm: 'a' })]],
    ['empty elements between parameters', 'Bearer realm="a", ,, error="b"', [bearer({ realm: 'a', error: 'b' })]],
    ['an empty element opening the parameter list', 'Bearer , realm="a"', [bearer({ realm: 'a' })]],
    ['empty elements between challenges and after', 'Basic,, Bearer ,', [{ scheme: 'Basic', params: {} }, bearer()]],
    ['only commas and whitespace', ' , ,\t', []],
  ])('%s: %j', (_, value, expected) => {
    expect(parseWwwAuthenticate(value)).toEqual(expected);
  });

  test('params has no prototype: an absent parameter reads undefined, whatever its name', () => {
    const [challenge] = parseWwwAuthenticate('Bearer realm="a"');
    expect(Object.getPrototypeOf(challenge!.params)).toBeNull();
    expect(challenge!.params.constructor).toBeUndefined();
    expect(Object.entries(parseWwwAuthenticate('Bearer __proto__="x"')[0]!.params)).toEqual([['__proto__', 'x']]);
  });
});

describe('whitespace', () => {
  test.each([
    ['around "="', 'Bearer realm = "a" ,error\t=\tb'],
    ['around commas', 'Bearer realm="a"\t ,\t error=b  '],
    ['before and after the value', ' \tBearer realm="a", error=b \t'],
    ['several spaces after the scheme', 'Bearer    realm="a", error=b'],
    ['none after commas', 'Bearer realm="a",error=b'],
  ])('%s: %j', (_, value) => {
    expect(parseWwwAuthenticate(value)).toEqual([bearer({ realm: 'a', error: 'b' })]);
  });

  test('spaces and tabs inside a quoted-string are kept', () => {
    expect(parseWwwAuthenticate('Bearer d=" a\t b "')).toEqual([bearer({ d: ' a\t b ' })]);
  });
});

describe('case', () => {
  test('the scheme is kept as sent, parameter names are lower-cased, values are kept', () => {
    expect(parseWwwAuthenticate('BEARER REALM="Api", Error=Invalid_Token')).toEqual([{ scheme: 'BEARER', params: { realm: 'Api', error: 'Invalid_Token' } }]);
  });

  test('a duplicate parameter is found without regard to case', () => {
    expect(refusal('Bearer realm="a", REALM="b"')).toMatchObject({ code: 'duplicate_parameter', position: 18 });
  });

  test('stepUpRequirement compares the scheme and the parameter names without regard to case', () => {
    expect(stepUpRequirement(parseWwwAuthenticate('bEaReR ERROR="insufficient_user_authentication", MAX_AGE=5'))).toEqual({ maxAge: 5 });
  });
});

describe('refused values', () => {
  test.each<[string, string, ChallengeParseErrorCode, number]>([
    ['an unterminated quoted-string', 'Bearer realm="x', 'unterminated_quoted_string', 13],
    ['a quoted-string ending in a backslash', 'Bearer realm="x\\', 'unterminated_quoted_string', 13],
    ['an unterminated quoted-string after an escaped quote', 'Bearer realm="x\\"', 'unterminated_quoted_string', 13],
    ['a parameter with no scheme', 'realm="x"', 'missing_scheme', 0],
    ['a parameter after a scheme with no space', 'Bearer, realm="x"', 'missing_scheme', 8],
    ['a "=" where the scheme should be', '="x"', 'missing_scheme', 0],
    ['a quoted-string where the scheme should be', '"Bearer"', 'missing_scheme', 0],
    ['a "=" with nothing after it', 'Bearer a=b, realm=', 'missing_value', 18],
    ['a "=" followed by a comma', 'Bearer a=b, realm=, c=d', 'missing_value', 18],
    ['a "=" after whitespace, at the end (no token68)', 'Bearer realm =', 'missing_value', 14],
    ['a "=" after whitespace, before a comma (no token68)', 'Bearer realm = , a=b', 'missing_value', 15],
    ['`realm=, error="y"`: a token68, then parameters', 'Bearer realm=, error="y"', 'token68_with_parameters', 15],
    ['a later "=" with no value', 'Bearer realm="x", error=', 'missing_value', 24],
    ['a duplicate parameter', 'Bearer realm="a", realm="a"', 'duplicate_parameter', 18],
    ['a duplicate parameter, token and quoted-string', 'Bearer a=1, b=2, a="1"', 'duplicate_parameter', 17],
    ['parameters after a token68', 'Basic dXNlcjpwYXNz, realm="x"', 'token68_with_parameters', 20],
    ['parameters after a padded token68', 'Negotiate abc==, realm="x"', 'token68_with_parameters', 17],
    ['two parameters without a comma', 'Bearer realm="a" error="b"', 'unexpected_character', 17],
    ['a character after a quoted-string', 'Bearer realm="a"x', 'unexpected_character', 16],
    ['two tokens as a value', 'Bearer realm=a b', 'unexpected_character', 15],
    ['a value that is no token', 'Bearer realm=@', 'unexpected_character', 13],
    ['a quoted-string where a parameter should be', 'Bearer "x"', 'unexpected_character', 7],
    ['a "=" after an empty parameter', 'Bearer , =x', 'missing_scheme', 9],
    ['a scheme followed by " =": a parameter with no scheme', 'Bearer =x', 'missing_scheme', 0],
    ['a line feed after a comma, where a challenge must begin', 'Basic realm="a",\nBearer', 'missing_scheme', 16],
    ['a tab after the scheme (1*SP)', 'Bearer\trealm="x"', 'unexpected_character', 7],
    ['a tab between the space after the scheme and a parameter', 'Bearer \trealm="x"', 'unexpected_character', 7],
    ['a token68 followed by a token', 'Basic abc def', 'unexpected_character', 10],
    ['a token that is no token68 and has no "="', 'Bearer a!b', 'unexpected_character', 10],
    ['a "/" in a parameter name', 'Bearer a/b=c', 'unexpected_character', 8],
    ['a second "=" after a value', 'Bearer a="b"="c"', 'unexpected_character', 12],
    ['"==" after a later parameter name', 'Bearer x=y, a==', 'unexpected_character', 14],
    ['a character beyond the grammar in a scheme', 'Bear\u20acr', 'unexpected_character', 4],
    ['a semicolon as separator', 'Bearer realm="a"; error="b"', 'unexpected_character', 16],
    ['a control character inside a quoted-string', 'Bearer realm="a\u0001"', 'unexpected_character', 15],
    ['a line feed inside a quoted-string', 'Bearer realm="a\nb"', 'unexpected_character', 15],
    ['DEL inside a quoted-string', 'Bearer realm="a\u007f"', 'unexpected_character', 15],
    ['a character beyond Latin-1 inside a quoted-string', 'Bearer realm="\u0100"', 'unexpected_character', 14],
    ['an escaped control character', 'Bearer realm="\\\u0000"', 'unexpected_character', 15],
    ['a line feed between challenges', 'Basic realm="a"\n, Bearer', 'unexpected_character', 15],
  ])('%s: %j is %s at %d', (_, value, code, position) => {
    const err = refusal(value);
    expect(err).toMatchObject({ code, position, name: 'ChallengeParseError' });
    expect(err).toBeInstanceOf(Error);
    expect(err.message).toContain(`(at ${position})`);
  });
});

describe('several header lines', () => {
  test('are read as one list: each line its challenges', () => {
    expect(parseWwwAuthenticate(['Basic realm="a"', 'Bearer error="b", Negotiate abc=='])).toEqual([
      { scheme: 'Basic', params: { realm: 'a' } },
      bearer({ error: 'b' }),
      { scheme: 'Negotiate', params: {}, token68: 'abc==' },
    ]);
  });

  test('are combined as RFC 9110 section 5.3 says: a line of parameters continues the challenge before it', () => {
    expect(parseWwwAuthenticate(['Bearer realm="a"', 'error="b"'])).toEqual([bearer({ realm: 'a', error: 'b' })]);
  });

  test('no lines and empty lines are an empty list', () => {
    expect(parseWwwAuthenticate([])).toEqual([]);
    expect(parseWwwAuthenticate(['', 'Bearer', ''])).toEqual([bearer()]);
  });

  test('a fault is placed in the lines joined with ", "', () => {
    expect(refusal(['Bearer realm="a"', 'error="x'])).toMatchObject({ code: 'unterminated_quoted_string', position: 24 });
    expect(refusal(['Bearer', 'realm="x"'])).toMatchObject({ code: 'missing_scheme', position: 8 }); // "Bearer, realm=..." has no space after the scheme
    expect(refusal(['Basic realm="a"', 'Bearer realm="b", realm="c"'])).toMatchObject({ code: 'duplicate_parameter', position: 35 });
  });
});

describe("mfakit's own challenges round-trip", () => {
  const description = 'Say "yes" \\ then go on.';

  test.each([
    ['any proof', {}, {}],
    ['a fresh proof', { maxAge: 300 }, { max_age: '300' }],
    ['a proof made now', { maxAge: 0 }, { max_age: '0' }],
    ['some methods', { acrValues: ['hwk', 'otp'] }, { acr_values: 'hwk otp' }],
    ['both', { acrValues: ['hwk'], maxAge: 60 }, { acr_values: 'hwk', max_age: '60' }],
  ])('stepUpChallenge of @mfakit/core/http, %s', (_, challenge, extra) => {
    const header = buildStepUpChallenge(description, challenge);
    const parsed = parseWwwAuthenticate(header);
    expect(parsed).toEqual([bearer({ error: 'insufficient_user_authentication', error_description: description, ...extra })]);
    expect(stepUpRequirement(parsed)).toEqual({ ...challenge, description });
  });

  test.each<[ProblemCode, CoreChallenge]>([
    ['mfa_required', {}],
    ['mfa_stale', { maxAge: 300 }],
    ['mfa_method_required', { acrValues: ['hwk'] }],
  ])('problemResponse of %s', (code, challenge) => {
    const { headers } = problemResponse({ code, detail: description, challenge });
    expect(stepUpRequirement(parseWwwAuthenticate(headers['WWW-Authenticate']!))).toEqual({ ...challenge, description });
  });

  test('problemResponse of authentication_required: Bearer alone, no step-up', () => {
    const parsed = parseWwwAuthenticate(problemResponse({ code: 'authentication_required', detail: 'Sign in first.' }).headers['WWW-Authenticate']!);
    expect(parsed).toEqual([bearer()]);
    expect(stepUpRequirement(parsed)).toBeNull();
  });

  test('problemResponse of invalid_token: an RFC 6750 error, no step-up', () => {
    const parsed = parseWwwAuthenticate(problemResponse({ code: 'invalid_token', detail: description }).headers['WWW-Authenticate']!);
    expect(parsed).toEqual([bearer({ error: 'invalid_token', error_description: description })]);
    expect(stepUpRequirement(parsed)).toBeNull();
  });
});

describe('stepUpRequirement', () => {
  const stepUp = (value: string) => stepUpRequirement(parseWwwAuthenticate(value));
  const ERROR = 'error="insufficient_user_authentication"';

  test('null without a step-up challenge', () => {
    expect(stepUpRequirement([])).toBeNull();
    expect(stepUp('Bearer')).toBeNull();
    expect(stepUp('Bearer error="invalid_token"')).toBeNull();
    expect(stepUp(`Basic ${ERROR}`)).toBeNull();
    expect(stepUp('Bearer abc=')).toBeNull();
    expect(stepUp('Bearer error="INSUFFICIENT_USER_AUTHENTICATION"')).toBeNull(); // error codes are case-sensitive (RFC 6750 section 3)
  });

  test('the first Bearer challenge that asks for a step-up', () => {
    expect(stepUp(`Basic realm="a", Bearer error="invalid_token", max_age=1, Bearer ${ERROR}, max_age=2, Bearer ${ERROR}, max_age=3`)).toEqual({ maxAge: 2 });
  });

  test('a step-up challenge with nothing else is an empty requirement', () => {
    expect(stepUp(`Bearer ${ERROR}`)).toEqual({});
  });

  test.each([
    ['0', 0],
    ['300', 300],
    ['"300"', 300],
    ['007', 7],
    ['9007199254740991', 9007199254740991],
  ])('max_age=%s is %d', (value, maxAge) => {
    expect(stepUp(`Bearer ${ERROR}, max_age=${value}`)).toEqual({ maxAge });
  });

  test.each(['-1', '1.5', '1e3', 'abc', '""', '" 5"', '0x10', '9007199254740992', '99999999999999999999'])('max_age=%s is ignored', (value) => {
    expect(stepUp(`Bearer ${ERROR}, max_age=${value}, error_description="d"`)).toEqual({ description: 'd' });
  });

  test('acr_values is split on spaces; with none it is left out', () => {
    expect(stepUp(`Bearer ${ERROR}, acr_values="  phr   urn:example:acr  "`)).toEqual({ acrValues: ['phr', 'urn:example:acr'] });
    expect(stepUp(`Bearer ${ERROR}, acr_values=hwk`)).toEqual({ acrValues: ['hwk'] });
    expect(stepUp(`Bearer ${ERROR}, acr_values=" "`)).toEqual({});
  });

  test('error_description, empty or not', () => {
    expect(stepUp(`Bearer ${ERROR}, error_description="Prove again."`)).toEqual({ description: 'Prove again.' });
    expect(stepUp(`Bearer ${ERROR}, error_description=""`)).toEqual({ description: '' });
  });

  test('reads challenges built by hand as well', () => {
    expect(stepUpRequirement([{ scheme: 'Bearer', params: { error: 'insufficient_user_authentication', max_age: '10' } }])).toEqual({ maxAge: 10 });
  });
});
