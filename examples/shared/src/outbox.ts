import type { Clock, OobMessage, OobOptions } from '@mfakit/core';
import type { InfoLine } from './notices';

/** How many messages the demo keeps per user; older ones drop off. */
export const MAX_MESSAGES_PER_USER = 20;

/** A code the demo "sent": what the user would find in their mailbox or on their phone. */
export interface OutboxMessage {
  channel: 'email' | 'sms';
  to: string;
  code: string;
  purpose: OobMessage['purpose'];
  /** When it was sent (ms since the epoch, by the demo's clock). */
  at: number;
}

/** A destination as a log line may show it: 'a***@example.com', '+*******0123'. */
export function maskDestination(channel: 'email' | 'sms', to: string): string {
  if (channel === 'sms') return `+${'*'.repeat(Math.max(0, to.length - 5))}${to.slice(-4)}`;
  const at = to.lastIndexOf('@');
  return at < 1 ? '***' : `${to[0]}***${to.slice(at)}`;
}

/**
 * The demo's sender of codes by email and SMS (`createMfa({ oob: { send } })`): instead of a mail
 * server or an SMS gateway, it keeps each message in memory, newest first, at most
 * MAX_MESSAGES_PER_USER per user, and prints one line naming the masked destination but never the
 * code. `GET /api/outbox` shows a user their own messages: the demo's stand-in for the user's
 * mailbox or phone, so that the page can be tried without either. A real application hands the
 * message to its mailer or SMS provider and has no such route.
 */
export class Outbox {
  private readonly byUser = new Map<string, OutboxMessage[]>();

  constructor(
    private readonly clock: Clock,
    private readonly print: InfoLine,
  ) {}

  /** The sender to pass to `createMfa` as `oob.send`. */
  readonly send: OobOptions['send'] = (message) => {
    const { channel, to, code, purpose, userId } = message;
    const kept: OutboxMessage = { channel, to, code, purpose, at: this.clock.now() };
    this.byUser.set(userId, [kept, ...(this.byUser.get(userId) ?? [])].slice(0, MAX_MESSAGES_PER_USER));
    this.print(`outbox: ${channel} to ${maskDestination(channel, to)} for ${userId}`);
  };

  /** A user's messages, newest first (a copy). */
  of(userId: string): OutboxMessage[] {
    return (this.byUser.get(userId) ?? []).map((message) => ({ ...message }));
  }
}
