import { randomUUID } from 'node:crypto';
import type { Clock } from '@mfakit/core';

/** A transfer as the demo accepts it. */
export interface TransferRequest {
  amount: number;
  to: string;
}

const MAX_AMOUNT = 1_000_000;
const MAX_RECIPIENT_LENGTH = 64;

/** What to send, for the `invalid_request` problem of a malformed transfer. */
export const TRANSFER_HELP = `Send {"amount": <a number from 0.01 to ${MAX_AMOUNT}>, "to": "<up to ${MAX_RECIPIENT_LENGTH} characters>"} as JSON, and nothing else.`;

/**
 * The body if it is `{amount, to}` with a positive amount (cents at most) and a short recipient;
 * else null. The demos check it before the step-up check runs, so that a malformed request is
 * refused without spending the user's one-time code.
 */
export function parseTransfer(body: unknown): TransferRequest | null {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) return null;
  const { amount, to, ...rest } = body as Record<string, unknown>;
  if (Object.keys(rest).length > 0) return null;
  if (typeof amount !== 'number' || !Number.isFinite(amount) || amount <= 0 || amount > MAX_AMOUNT) return null;
  if (Math.round(amount * 100) !== amount * 100) return null;
  if (typeof to !== 'string' || to.trim() === '' || to.length > MAX_RECIPIENT_LENGTH) return null;
  return { amount, to: to.trim() };
}

/** `POST /api/transfers` after the step-up check: pretends to move the money (201). */
export function transferMade(from: string, transfer: TransferRequest, clock: Clock) {
  return { ok: true, transfer: { id: randomUUID(), from, to: transfer.to, amount: transfer.amount, createdAt: new Date(clock.now()).toISOString() } };
}
