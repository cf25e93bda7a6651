// Threat: SMS and email pumping. Every `POST /mfa/sms` makes a new pending factor with its own
// send count, so an account without a factor (or an exempt one) sends as many messages as it
// likes, to as many numbers as it likes; many accounts can flood one number.
import type { OobMessage } from '@mfakit/core';
import { codeOf, setup, unwrap } from './helpers';

function withOutbox(oob: { maxSendsPerUser?: number; maxSendsPerDestination?: number } = {}) {
  const outbox: OobMessage[] = [];
  const h = setup({ oob: { send: (message) => void outbox.push(message), ...oob } });
  return { h, outbox };
}

test('enrollments started in a row stop at the cap of pending enrollments, and nothing more is sent', async () => {
  const { h, outbox } = withOutbox();
  const user = { id: 'mallory' };
  const outcomes = [];
  for (let i = 0; i < 12; i += 1) outcomes.push(codeOf(await h.mfa.startOobEnrollment({ user }, 'sms', `+1415555${String(1000 + i)}`)));
  expect(outcomes).toEqual([...Array(5).fill('ok'), ...Array(7).fill('rate_limited')]);
  expect(outbox).toHaveLength(5);
});

test('an account sends at most maxSendsPerUser codes a day, whatever the factors and numbers', async () => {
  const { h, outbox } = withOutbox({ maxSendsPerUser: 8 });
  const user = { id: 'mallory' };
  const outcomes = [];
  for (let round = 0; round < 4; round += 1) {
    for (let i = 0; i < 3; i += 1) outcomes.push(codeOf(await h.mfa.startOobEnrollment({ user }, 'sms', `+1415555${round}${i}00`)));
    h.clock.advanceSeconds(601); // past the window of enrollment starts
  }
  expect(outcomes.filter((o) => o === 'ok')).toHaveLength(8);
  expect(outcomes.slice(8).every((o) => o === 'rate_limited')).toBe(true);
  expect(outbox).toHaveLength(8);
  // A day later the account may send again.
  h.clock.advanceSeconds(86_400);
  expect(codeOf(await h.mfa.startOobEnrollment({ user }, 'sms', '+14155559999'))).toBe('ok');
});

test('one number receives at most maxSendsPerDestination codes a day, from any number of accounts', async () => {
  const { h, outbox } = withOutbox({ maxSendsPerDestination: 4 });
  const outcomes = [];
  for (let i = 0; i < 7; i += 1) outcomes.push(codeOf(await h.mfa.startOobEnrollment({ user: { id: `bot-${i}` } }, 'sms', '+1 415 555 0100')));
  expect(outcomes).toEqual(['ok', 'ok', 'ok', 'ok', 'rate_limited', 'rate_limited', 'rate_limited']);
  expect(outbox.map((m) => m.to)).toEqual(Array(4).fill('+14155550100'));
  // Other numbers are not affected.
  expect(codeOf(await h.mfa.startOobEnrollment({ user: { id: 'bot-9' } }, 'sms', '+14155550101'))).toBe('ok');
});

test('the per-destination count keeps no number readable in the state store', async () => {
  const { h } = withOutbox();
  unwrap(await h.mfa.startOobEnrollment({ user: { id: 'alice' } }, 'sms', '+14155550100'));
  const keys = JSON.stringify([...(h.store as unknown as { entries: Map<string, unknown> }).entries.keys()]);
  expect(keys).not.toMatch(/4155550100/);
  // ... nor a plain hash of it, which anyone could find by hashing every number.
  const { createHash } = await import('node:crypto');
  expect(keys).not.toContain(createHash('sha256').update('+14155550100').digest('hex'));
});

test('the limits are checked at construction', () => {
  const send = () => {};
  expect(() => setup({ oob: { send, maxSendsPerUser: 0 } })).toThrow(/maxSendsPerUser/);
  expect(() => setup({ oob: { send, maxSendsPerDestination: 1001 } })).toThrow(/maxSendsPerDestination/);
});
