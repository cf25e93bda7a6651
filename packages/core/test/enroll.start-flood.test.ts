// Threat: enrollment starts are unlimited and costly: each `POST /mfa/totp` renders a QR code and
// keeps a pending factor, so one account starting ~100 a second slows every other request.
import { handleRoute } from '@mfakit/core/http';
import { setup } from './helpers';

test('at most five enrollments start per enrollmentTtl; the sixth is 429 rate_limited with Retry-After, and renders nothing', async () => {
  const h = setup();
  const user = { id: 'mallory' };
  const statuses = [];
  for (let i = 0; i < 8; i += 1) statuses.push((await handleRoute(h.mfa, i % 2 ? 'enrollHotp' : 'enrollTotp', { user, params: {}, body: undefined })).status);
  expect(statuses).toEqual([201, 201, 201, 201, 201, 429, 429, 429]);
  const refused = await handleRoute(h.mfa, 'enrollTotp', { user, params: {}, body: undefined });
  expect(refused).toMatchObject({ status: 429, headers: { 'Retry-After': '600' }, body: { code: 'rate_limited' } });
  expect(refused.body).not.toHaveProperty('qrCode');
  expect(h.events.filter((e) => e.type === 'enrollment.started')).toHaveLength(5);

  // Other users are not affected, and the window ends by itself.
  expect((await handleRoute(h.mfa, 'enrollTotp', { user: { id: 'alice' }, params: {}, body: undefined })).status).toBe(201);
  h.clock.advanceSeconds(600);
  expect((await handleRoute(h.mfa, 'enrollTotp', { user, params: {}, body: undefined })).status).toBe(201);
});

test('enrollments of email and SMS share the same cap', async () => {
  const h = setup({ oob: { send: () => {} } });
  const user = { id: 'mallory' };
  const statuses = [];
  for (let i = 0; i < 3; i += 1) statuses.push((await handleRoute(h.mfa, 'enrollTotp', { user, params: {}, body: undefined })).status);
  for (let i = 0; i < 3; i += 1) statuses.push((await handleRoute(h.mfa, 'enrollEmail', { user, params: {}, body: { email: `m${i}@example.com` } })).status);
  expect(statuses).toEqual([201, 201, 201, 201, 201, 429]);
});
