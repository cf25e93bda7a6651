// Tokens the verifier has verified, remembered by their exact text for a short while: a client
// sends the same access token on every request until it expires, and verifying its signature
// again (jose, WebCrypto) costs more than all the rest of the gateway's decision.

/** The longest token remembered, in characters: longer ones are verified every time. Bounds the memory to `max` x 2 KiB. */
const LONGEST_REMEMBERED = 2048;

/**
 * Verified tokens by their text, each until the earliest of its `exp` (with the clock tolerance,
 * as jose judges it) and `maxAge` after it was verified; at most `max`, the oldest forgotten first.
 * Only verified tokens are kept: a refused one is refused again by the verifier each time. What
 * is kept is frozen, since every request with the token gets the same object.
 *
 * @example
 * const remembered = new VerifiedTokens<Valid>(10_000, 60_000);
 * const hit = remembered.get(token, Date.now()) ?? remembered.add(token, await verify(token), Date.now(), expiresAtMs);
 */
export class VerifiedTokens<T extends object> {
  readonly #entries = new Map<string, { value: T; until: number }>();

  /**
   * @param max - How many tokens are kept at most.
   * @param maxAge - How long one is kept at most, in ms: how late a change of keys at the
   *   identity provider reaches a token already verified.
   */
  constructor(
    readonly max: number,
    readonly maxAge: number,
  ) {}

  /** The value kept for a token, while it holds at `now` (ms). */
  get(token: string, now: number): T | undefined {
    const entry = this.#entries.get(token);
    if (entry === undefined) return undefined;
    if (now < entry.until) return entry.value;
    this.#entries.delete(token);
    return undefined;
  }

  /**
   * Keeps a verified token's value until `expiresAt` (ms), `maxAge` from `now` at most, and answers
   * the value, frozen.
   */
  add(token: string, value: T, now: number, expiresAt: number): T {
    deepFreeze(value);
    const until = Math.min(expiresAt, now + this.maxAge);
    if (token.length > LONGEST_REMEMBERED || this.max === 0 || !(until > now)) return value;
    this.#entries.delete(token);
    if (this.#entries.size >= this.max) this.#entries.delete(this.#entries.keys().next().value!);
    this.#entries.set(token, { value, until });
    return value;
  }

  /** How many tokens are kept now (expired ones included until they are asked for or pushed out). */
  get size(): number {
    return this.#entries.size;
  }
}

function deepFreeze(value: object): void {
  Object.freeze(value);
  for (const inner of Object.values(value)) if (typeof inner === 'object' && inner !== null && !Object.isFrozen(inner)) deepFreeze(inner);
}
