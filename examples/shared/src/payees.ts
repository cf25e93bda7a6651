import { randomUUID } from 'node:crypto';
import type { Clock } from '@mfakit/core';

/** A payee as the demo accepts it: who, and the account (an IBAN, say) money may then go to. */
export interface PayeeRequest {
  name: string;
  account: string;
}

const MAX_NAME_LENGTH = 64;
// ISO 13616-1: an IBAN has at most 34 characters.
const MAX_ACCOUNT_LENGTH = 34;

/** What to send, for the `invalid_request` problem of a malformed payee. */
export const PAYEE_HELP = `Send {"name": "<1 to ${MAX_NAME_LENGTH} characters>", "account": "<1 to ${MAX_ACCOUNT_LENGTH} characters>"} as JSON, and nothing else.`;

/**
 * The body if it is `{name, account}` with a short name and account, neither blank; else null.
 * The demos check it before the step-up check runs, so that a malformed request is refused
 * without spending the user's step-up grant or one-time code.
 *
 * @example
 * parsePayee({ name: 'bob', account: 'DE89 3704 0044 0532 0130 00' }); // { name: 'bob', account: 'DE89 3704 0044 0532 0130 00' }
 * parsePayee({ name: 'bob' }); // null
 */
export function parsePayee(body: unknown): PayeeRequest | null {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) return null;
  const { name, account, ...rest } = body as Record<string, unknown>;
  if (Object.keys(rest).length > 0) return null;
  if (typeof name !== 'string' || name.trim() === '' || name.length > MAX_NAME_LENGTH) return null;
  if (typeof account !== 'string' || account.trim() === '' || account.length > MAX_ACCOUNT_LENGTH) return null;
  return { name: name.trim(), account: account.trim() };
}

/**
 * `POST /api/payees` after the step-up check (a proof made for this very request and body):
 * pretends to add the payee (201).
 *
 * @example
 * res.status(201).json(payeeAdded('alice', { name: 'bob', account: 'DE89 3704' }, clock));
 */
export function payeeAdded(owner: string, payee: PayeeRequest, clock: Clock) {
  return { ok: true, payee: { id: randomUUID(), owner, name: payee.name, account: payee.account, createdAt: new Date(clock.now()).toISOString() } };
}
