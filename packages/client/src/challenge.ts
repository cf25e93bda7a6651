/**
 * One challenge of a `WWW-Authenticate` (or `Proxy-Authenticate`) header: its scheme and either
 * its parameters or its token68.
 *
 * @see RFC 9110 section 11.2 (authentication parameters), section 11.6.1 (WWW-Authenticate)
 * @example
 * const [challenge] = parseWwwAuthenticate('Bearer realm="api", error="invalid_token"');
 * // challenge.scheme === 'Bearer'; challenge.params.error === 'invalid_token'
 */
export interface Challenge {
  /** The authentication scheme as sent (`Bearer`, `basic`); compare it without regard to case. */
  scheme: string;
  /**
   * The parameters: names lower-cased, values unquoted (a quoted-string's backslash escapes
   * removed), whether sent as a token or a quoted-string. An object without a prototype, so that a
   * parameter named `constructor` or `__proto__` reads as any other. Empty for a token68 challenge.
   */
  params: Record<string, string>;
  /** The token68 (`Basic dXNlcjpwYXNz`), as sent, when the challenge has one instead of parameters. */
  token68?: string;
}

/**
 * The stable codes of {@link ChallengeParseError}: what breaks RFC 9110's grammar.
 *
 * @example
 * if (err instanceof ChallengeParseError && err.code === 'duplicate_parameter') console.warn(err.message);
 */
export type ChallengeParseErrorCode =
  /**
   * Something else where a challenge must begin: a parameter with no scheme before it
   * (`realm="x"`; `Bearer, realm="x"`, whose scheme has no space after it; `Bearer =x`, a
   * parameter named `bearer`), or a character that cannot begin a scheme (`="x"`).
   */
  | 'missing_scheme'
  /** A `=` followed by nothing, a comma or the end (`realm=,`). */
  | 'missing_value'
  /** A quoted-string with no closing double quote. */
  | 'unterminated_quoted_string'
  /** A parameter name sent twice in one challenge, in any case (RFC 9110 section 11.2). */
  | 'duplicate_parameter'
  /** Parameters after a token68 (`Basic dXNlcjpwYXNz, realm="x"`). */
  | 'token68_with_parameters'
  /** A character the grammar does not allow where it stands (a missing comma, a control character, a tab after the scheme). */
  | 'unexpected_character';

/**
 * Thrown by {@link parseWwwAuthenticate} for a header value outside RFC 9110's grammar, with a
 * stable `code` and the `position` of the fault. Its message names the fault and the position
 * (and a duplicate parameter's name), never a value.
 *
 * @example
 * try {
 *   parseWwwAuthenticate('Bearer realm="api');
 * } catch (err) {
 *   if (err instanceof ChallengeParseError) console.warn(err.code, err.position); // 'unterminated_quoted_string' 13
 *   else throw err;
 * }
 */
export class ChallengeParseError extends Error {
  /** The stable code to switch on. */
  readonly code: ChallengeParseErrorCode;
  /**
   * Where the fault is, in UTF-16 code units from the start of the value (of the lines joined with
   * `, ` when several were given): the character that breaks the grammar, the opening quote of an
   * unterminated quoted-string, the name of a duplicate parameter.
   */
  readonly position: number;

  /**
   * @param code - The stable code.
   * @param position - Where the fault is.
   * @param message - What is wrong, for logs.
   */
  constructor(code: ChallengeParseErrorCode, position: number, message: string) {
    super(`${message} (at ${position})`);
    this.code = code;
    this.position = position;
    this.name = this.constructor.name;
  }
}

// RFC 9110 section 5.6.2: token = 1*tchar.
const TOKEN = /[!#$%&'*+\-.^_`|~0-9A-Za-z]+/y;
// RFC 9110 section 11.2: token68 = 1*( ALPHA / DIGIT / "-" / "." / "_" / "~" / "+" / "/" ) *"=".
const TOKEN68 = /[A-Za-z0-9\-._~+/]+=*/y;
// RFC 9110 section 5.6.3: OWS = *( SP / HTAB ); BWS is the same.
const OWS = /[ \t]*/y;
// RFC 9110 section 11.1: challenge = auth-scheme [ 1*SP ( token68 / #auth-param ) ].
const SPACES = / */y;

/** Where the match of a sticky pattern at `from` ends (`from` when it matches nothing). */
function end(pattern: RegExp, input: string, from: number): number {
  pattern.lastIndex = from;
  return pattern.test(input) ? pattern.lastIndex : from;
}

/** A character allowed in a quoted-string as is (qdtext) or after a backslash (quoted-pair): RFC 9110 section 5.6.4. */
function quotable(code: number, escaped: boolean): boolean {
  if (code === 0x09 || code === 0x20) return true; // HTAB, SP
  if (code >= 0x80 && code <= 0xff) return true; // obs-text
  if (code < 0x21 || code > 0x7e) return false; // controls, DEL, beyond Latin-1
  return escaped || (code !== 0x22 && code !== 0x5c); // VCHAR; unescaped, not " or \
}

/** The challenge being read, and whether a parameter may still join it. */
interface Open {
  challenge: Challenge;
  /** The scheme was followed by a space and no token68: the next `name=value` after a comma is its. */
  takesParams: boolean;
}

/** A recursive-descent reader of one header value, failing at the first character outside the grammar. */
class Reader {
  private pos = 0;
  private open: Open | null = null;
  readonly challenges: Challenge[] = [];

  constructor(private readonly input: string) {}

  /** `#challenge` with the empty elements a recipient must accept: [ element ] *( OWS "," OWS [ element ] ) (RFC 9110 section 5.6.1.2). */
  read(): Challenge[] {
    const { input } = this;
    this.pos = end(OWS, input, 0); // a field value has no leading or trailing whitespace (RFC 9110 section 5.5)
    while (this.pos < input.length) {
      if (input[this.pos] === ',') {
        this.pos = end(OWS, input, this.pos + 1);
        continue;
      }
      this.element();
      this.pos = end(OWS, input, this.pos);
      if (this.pos < input.length && input[this.pos] !== ',') this.fail('unexpected_character', this.pos, 'expected a comma or the end');
    }
    return this.challenges;
  }

  /** After a comma: `token BWS "="` is a parameter of the open challenge; any other token begins a challenge. */
  private element(): void {
    const start = this.pos;
    const nameEnd = end(TOKEN, this.input, start);
    if (nameEnd === start) this.fail('missing_scheme', start, 'expected an authentication scheme');
    const equals = end(OWS, this.input, nameEnd);
    if (this.input[equals] !== '=') this.challenge(nameEnd);
    else if (this.open?.challenge.token68 !== undefined) this.fail('token68_with_parameters', start, 'a parameter after a token68');
    else if (!this.open?.takesParams) this.fail('missing_scheme', start, 'a parameter with no scheme and space before it');
    else this.param(nameEnd, equals);
  }

  /** auth-scheme [ 1*SP ( token68 / #auth-param ) ], the scheme already matched up to `schemeEnd`. */
  private challenge(schemeEnd: number): void {
    const { input } = this;
    const challenge: Challenge = { scheme: input.slice(this.pos, schemeEnd), params: Object.create(null) };
    this.challenges.push(challenge);
    this.open = { challenge, takesParams: false };
    this.pos = schemeEnd;
    const after = end(SPACES, input, schemeEnd);
    if (after === schemeEnd) return; // no space: no token68, no parameters
    this.open.takesParams = true;
    this.pos = after;
    const next = end(OWS, input, after);
    if (next === input.length || input[next] === ',') return; // an empty parameter list
    // `abc=` is a token68, not a parameter: an auth-param needs a value (token or quoted-string).
    const token68End = end(TOKEN68, input, after);
    const following = end(OWS, input, token68End);
    if (token68End > after && (following === input.length || input[following] === ',')) {
      challenge.token68 = input.slice(after, token68End);
      this.open.takesParams = false;
      this.pos = token68End;
      return;
    }
    const nameEnd = end(TOKEN, input, after);
    if (nameEnd === after) this.fail('unexpected_character', after, 'expected a token68 or a parameter');
    const equals = end(OWS, input, nameEnd);
    if (input[equals] !== '=') this.fail('unexpected_character', equals, "expected '=' after a parameter name");
    this.param(nameEnd, equals);
  }

  /** auth-param = token BWS "=" BWS ( token / quoted-string ), the name matched from `this.pos` to `nameEnd`. */
  private param(nameEnd: number, equals: number): void {
    const { input } = this;
    const nameStart = this.pos;
    const name = input.slice(nameStart, nameEnd).toLowerCase();
    const valueStart = end(OWS, input, equals + 1);
    let value: string;
    if (valueStart === input.length || input[valueStart] === ',') this.fail('missing_value', valueStart, "expected a value after '='");
    if (input[valueStart] === '"') value = this.quotedString(valueStart);
    else {
      const valueEnd = end(TOKEN, input, valueStart);
      if (valueEnd === valueStart) this.fail('unexpected_character', valueStart, 'expected a token or a quoted-string');
      value = input.slice(valueStart, valueEnd);
      this.pos = valueEnd;
    }
    const { params } = this.open!.challenge;
    if (Object.hasOwn(params, name)) this.fail('duplicate_parameter', nameStart, `the parameter ${JSON.stringify(name)} appears twice in one challenge`);
    params[name] = value;
  }

  /** quoted-string = DQUOTE *( qdtext / quoted-pair ) DQUOTE, opening at `open`; its unescaped content. */
  private quotedString(open: number): string {
    const { input } = this;
    let value = '';
    let run = open + 1; // the start of the characters not yet copied
    for (let i = open + 1; i < input.length; i++) {
      const code = input.charCodeAt(i);
      if (code === 0x22) {
        this.pos = i + 1;
        return value + input.slice(run, i);
      }
      if (code === 0x5c) {
        if (i + 1 === input.length) break;
        if (!quotable(input.charCodeAt(i + 1), true)) this.fail('unexpected_character', i + 1, 'a character that cannot be escaped');
        value += input.slice(run, i);
        run = ++i;
      } else if (!quotable(code, false)) this.fail('unexpected_character', i, 'a character not allowed in a quoted-string');
    }
    return this.fail('unterminated_quoted_string', open, 'a quoted-string with no closing double quote');
  }

  private fail(code: ChallengeParseErrorCode, position: number, message: string): never {
    throw new ChallengeParseError(code, position, message);
  }
}

/**
 * Parses a `WWW-Authenticate` (or `Proxy-Authenticate`) header value into its challenges, in
 * order, by RFC 9110 section 11's grammar exactly: several challenges separated by commas, each a
 * scheme followed by a token68 or by `name=value` parameters (a token or a quoted-string with
 * backslash escapes), optional whitespace around commas and `=`, scheme and parameter names
 * without regard to case, and empty list elements ignored (`, , Bearer`). Anything else throws.
 *
 * @param value - The header's value; several field lines as an array, read as one list joined
 *   with `, ` (RFC 9110 section 5.3), as `Headers.get()` of fetch returns them.
 * @returns The challenges, in the order sent; empty for an empty value.
 * @throws {@link ChallengeParseError} for a value outside the grammar: an unterminated
 *   quoted-string, a parameter with no scheme, a `=` with no value, a parameter twice in one
 *   challenge, parameters after a token68, a stray character.
 * @see RFC 9110 section 11 (HTTP authentication); section 5.6 (common rules)
 * @example
 * const challenges = parseWwwAuthenticate('Basic realm="files", Bearer error="insufficient_user_authentication", max_age=300');
 * // [{ scheme: 'Basic', params: { realm: 'files' } },
 * //  { scheme: 'Bearer', params: { error: 'insufficient_user_authentication', max_age: '300' } }]
 * const fromFetch = parseWwwAuthenticate(response.headers.get('WWW-Authenticate') ?? '');
 */
export function parseWwwAuthenticate(value: string | string[]): Challenge[] {
  return new Reader(Array.isArray(value) ? value.join(', ') : value).read();
}

/**
 * What an RFC 9470 step-up challenge asks of the next proof.
 *
 * @example
 * const requirement: StepUpRequirement = { maxAge: 300, acrValues: ['hwk'], description: 'Prove again.' };
 */
export interface StepUpRequirement {
  /** `max_age`: the proof must be at most this many seconds old (0: made now). */
  maxAge?: number;
  /** `acr_values`: the proof must be of one of these authentication context classes or methods. */
  acrValues?: string[];
  /** `error_description`: a sentence for people, as the server wrote it. */
  description?: string;
}

// RFC 9470 section 3: the error code of a step-up challenge.
const INSUFFICIENT_USER_AUTHENTICATION = 'insufficient_user_authentication';

/**
 * Finds the RFC 9470 step-up challenge among parsed challenges: the first `Bearer` challenge with
 * `error="insufficient_user_authentication"` (the scheme compared without regard to case, the
 * error code exactly). `max_age` is kept when it is a non-negative integer and ignored otherwise;
 * `acr_values` is split on spaces (ignored when it holds none); `error_description` is the
 * description.
 *
 * @param challenges - What {@link parseWwwAuthenticate} returned.
 * @returns What the next proof must satisfy, or `null` when no challenge asks for a step-up.
 * @see RFC 9470 section 3 (the authentication challenge); RFC 6750 section 3 (the Bearer challenge)
 * @example
 * const stepUp = stepUpRequirement(parseWwwAuthenticate(response.headers.get('WWW-Authenticate') ?? ''));
 * if (stepUp) {
 *   // stepUp.maxAge === 300, stepUp.acrValues === ['hwk'], stepUp.description === 'Prove again.'
 * }
 */
export function stepUpRequirement(challenges: Challenge[]): StepUpRequirement | null {
  const found = challenges.find(({ scheme, params }) => scheme.toLowerCase() === 'bearer' && params.error === INSUFFICIENT_USER_AUTHENTICATION);
  if (!found) return null;
  const { max_age: maxAge, acr_values: acrValues, error_description: description } = found.params;
  const requirement: StepUpRequirement = {};
  if (maxAge !== undefined && /^[0-9]+$/.test(maxAge) && Number.isSafeInteger(Number(maxAge))) requirement.maxAge = Number(maxAge);
  const methods = acrValues?.split(' ').filter((method) => method !== '');
  if (methods?.length) requirement.acrValues = methods;
  if (description !== undefined) requirement.description = description;
  return requirement;
}
