import { totpCode } from '@mfakit/testing';

/** The demo's TOTP settings (mfakit's defaults, RFC 6238 section 5.2): 30 s steps, one step of drift either side. */
export const PERIOD_MS = 30_000;
const WINDOW = 1;

/**
 * How much later than the client's clock the server may check a code: a code is chosen only if
 * it is still valid that much later. Requests take milliseconds; this covers a slow one.
 */
const SEND_MARGIN_MS = 2_000;

/** The time step of a moment (ms since the epoch). */
export const stepAt = (ms: number) => Math.floor(ms / PERIOD_MS);

/** The code an authenticator app shows during time step `step`. */
export function codeAt(secret: string, step: number): string {
  return totpCode(secret, { now: () => step * PERIOD_MS });
}

/**
 * The earliest step whose code the server accepts now and a little later, and that the factor has
 * not used: a step after `lastUsed` (mfakit refuses the step it accepted and every earlier one),
 * within the window around now. Null when there is none yet: the user waits for the next step.
 */
export function usableStep(lastUsed: number, now: number): number | null {
  const step = Math.max(lastUsed + 1, stepAt(now + SEND_MARGIN_MS) - WINDOW);
  return step <= stepAt(now) + WINDOW ? step : null;
}

/**
 * Whether the server accepted a step's code when it checked it, somewhere between `sentAt` and
 * `receivedAt`: true if at every moment of that span, false if at none, null if it depends on
 * exactly when (a request that took unusually long).
 */
export function stepValid(step: number, sentAt: number, receivedAt: number): boolean | null {
  const validAt = (ms: number) => Math.abs(step - stepAt(ms)) <= WINDOW;
  if (validAt(sentAt) && validAt(receivedAt)) return true;
  return validAt(sentAt) || validAt(receivedAt) ? null : false;
}

/** A six-digit code that matches none of the steps the server could check it against, two either side of now. */
export function wrongCodeAt(secret: string, now: number): string {
  const near = new Set([-2, -1, 0, 1, 2].map((offset) => codeAt(secret, stepAt(now) + offset)));
  let candidate = Number(codeAt(secret, stepAt(now)));
  let code: string;
  do {
    candidate = (candidate + 7919) % 1_000_000;
    code = String(candidate).padStart(6, '0');
  } while (near.has(code));
  return code;
}
