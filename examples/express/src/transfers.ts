import { writeResult } from '@mfakit/express';
import { randomUUID } from 'node:crypto';
import type { Clock } from '@mfakit/core';
import type { RequestHandler } from 'express';
import { problem } from './problems';

/** A transfer as the demo accepts it. */
export interface TransferRequest {
  amount: number;
  to: string;
}

const MAX_AMOUNT = 1_000_000;
const MAX_RECIPIENT_LENGTH = 64;

/** The body if it is `{amount, to}` with a positive amount (cents at most) and a short recipient; else null. */
export function parseTransfer(body: unknown): TransferRequest | null {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) return null;
  const { amount, to, ...rest } = body as Record<string, unknown>;
  if (Object.keys(rest).length > 0) return null;
  if (typeof amount !== 'number' || !Number.isFinite(amount) || amount <= 0 || amount > MAX_AMOUNT) return null;
  if (Math.round(amount * 100) !== amount * 100) return null;
  if (typeof to !== 'string' || to.trim() === '' || to.length > MAX_RECIPIENT_LENGTH) return null;
  return { amount, to: to.trim() };
}

/**
 * Checks the body before the step-up check runs, so that a malformed request is refused without
 * spending the user's one-time code.
 */
export const validateTransfer: RequestHandler = function validateTransfer(req, res, next) {
  const transfer = parseTransfer(req.body);
  if (!transfer) {
    return writeResult(res, problem('invalid_request', `Send {"amount": <a number from 0.01 to ${MAX_AMOUNT}>, "to": "<up to ${MAX_RECIPIENT_LENGTH} characters>"} as JSON, and nothing else.`));
  }
  res.locals.transfer = transfer;
  next();
};

/** `POST /api/transfers`, after `requireFreshMfa`: pretends to move the money. */
export function createTransfer(clock: Clock): RequestHandler {
  return function createTransfer(req, res) {
    const transfer = res.locals.transfer as TransferRequest;
    res.status(201).json({
      ok: true,
      transfer: { id: randomUUID(), from: req.user!.id, to: transfer.to, amount: transfer.amount, createdAt: new Date(clock.now()).toISOString() },
    });
  };
}
