// Threat: the demo's in-memory notices and outbox (its stand-ins for a mailer and an SMS gateway)
// grow without bound, mix up users, or print a code or a full address to the log. Each keeps at
// most 20 entries per user, newest first, hands out copies, and logs one masked line per entry.
import type { UserNotice } from '@mfakit/core';
import { FakeClock } from '@mfakit/testing';
import { describeNotice, maskDestination, MAX_MESSAGES_PER_USER, MAX_NOTICES_PER_USER, NoticeBoard, Outbox } from '@mfakit/example-shared';

describe('Outbox', () => {
  test('keeps the newest 20 messages per user, newest first, and logs each without the code or the address', async () => {
    const clock = new FakeClock();
    const lines: string[] = [];
    const outbox = new Outbox(clock, (line) => lines.push(line));
    for (let i = 0; i < MAX_MESSAGES_PER_USER + 5; i += 1) {
      clock.advanceSeconds(1);
      await outbox.send({ channel: 'email', to: 'alice@example.com', code: String(100000 + i), userId: 'alice', purpose: 'verification' });
    }
    await outbox.send({ channel: 'sms', to: '+14155550123', code: '999999', userId: 'bob', purpose: 'enrollment' });
    const mine = outbox.of('alice');
    expect(mine).toHaveLength(MAX_MESSAGES_PER_USER);
    expect(mine[0]).toEqual({ channel: 'email', to: 'alice@example.com', code: String(100000 + MAX_MESSAGES_PER_USER + 4), purpose: 'verification', at: clock.now() });
    expect(mine.at(-1)!.code).toBe('100005');
    expect(outbox.of('bob')).toEqual([{ channel: 'sms', to: '+14155550123', code: '999999', purpose: 'enrollment', at: clock.now() }]);
    expect(outbox.of('carol')).toEqual([]);
    expect(lines[0]).toBe('outbox: email to a***@example.com for alice');
    expect(lines.at(-1)).toBe('outbox: sms to +*******0123 for bob');
    for (const line of lines) expect(line).not.toMatch(/\d{6}|alice@|4155550/);
  });

  test('hands out copies: a caller cannot change what it keeps', async () => {
    const outbox = new Outbox(new FakeClock(), () => {});
    await outbox.send({ channel: 'email', to: 'a@example.com', code: '123456', userId: 'alice', purpose: 'enrollment' });
    outbox.of('alice')[0]!.code = 'changed';
    outbox.of('alice').pop();
    expect(outbox.of('alice')[0]!.code).toBe('123456');
  });

  test.each([
    ['email', 'alice@example.com', 'a***@example.com'],
    ['sms', '+14155550123', '+*******0123'],
    ['email', 'not-an-address', '***'],
  ] as const)('maskDestination(%s, %s) is %s', (channel, to, masked) => {
    expect(maskDestination(channel, to)).toBe(masked);
  });
});

describe('NoticeBoard', () => {
  test("keeps each user's newest 20 notices, newest first, and prints one line per notice", async () => {
    const lines: string[] = [];
    const board = new NoticeBoard((line) => lines.push(line));
    for (let i = 0; i < MAX_NOTICES_PER_USER + 3; i += 1) await board.hooks.user!({ type: 'recovery.used', userId: 'alice', at: i, remaining: 9 - (i % 10) });
    await board.hooks.user!({ type: 'factor.added', userId: 'bob', at: 1, kind: 'totp' });
    await board.hooks.admins!({ type: 'recovery.used', userId: 'alice', at: 2, remaining: 3 });
    expect(board.of('alice')).toHaveLength(MAX_NOTICES_PER_USER);
    expect(board.of('alice')[0]!.at).toBe(MAX_NOTICES_PER_USER + 2);
    expect(board.of('bob')).toEqual([{ type: 'factor.added', userId: 'bob', at: 1, kind: 'totp' }]);
    expect(lines).toContain('notice for bob: factor.added (totp)');
    expect(lines.at(-1)).toBe('notice for administrators: alice recovery.used (3 left)');
  });

  test.each<[UserNotice, string]>([
    [{ type: 'factor.added', userId: 'a', at: 0, kind: 'webauthn' }, 'factor.added (webauthn)'],
    [{ type: 'factor.removed', userId: 'a', at: 0, kind: 'oob' }, 'factor.removed (oob)'],
    [{ type: 'factors.revoked', userId: 'a', at: 0, count: 1 }, 'factors.revoked (1 factor)'],
    [{ type: 'factors.revoked', userId: 'a', at: 0, count: 3 }, 'factors.revoked (3 factors)'],
    [{ type: 'account.locked', userId: 'a', at: 0, until: Date.UTC(2026, 0, 1) }, 'account.locked (until 2026-01-01T00:00:00.000Z)'],
  ])('describeNotice: %j', (notice, text) => {
    expect(describeNotice(notice)).toBe(text);
  });
});
