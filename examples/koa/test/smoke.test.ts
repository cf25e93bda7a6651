import { FakeClock, totpCode } from '@mfakit/testing';
import request from 'supertest';
import { createApp } from '../src/app';

test('login, enroll, confirm, profile on the Koa demo', async () => {
  const clock = new FakeClock();
  const { app } = createApp({ clock, jwtSecret: 'x'.repeat(40), encryptionKeys: [{ id: 't', key: Buffer.alloc(32, 1) }] });
  const server = app.callback();
  const login = await request(server).post('/auth/login').send({ username: 'alice', password: 'alice-password' }).expect(200);
  const auth = { Authorization: `Bearer ${login.body.accessToken}` };
  const started = await request(server).post('/mfa/totp').set(auth).expect(201);
  const confirmed = await request(server).post(`/mfa/totp/${started.body.factorId}/confirm`).set(auth).send({ code: totpCode(started.body.secret, clock) }).expect(200);
  await request(server).get('/api/profile').set(auth).set('X-Session-Token', confirmed.body.session.sessionToken).expect(200);
  const denied = await request(server).get('/mfa').expect(401);
  expect(denied.body.code).toBe('authentication_required');
  expect((await request(server).get('/').expect(200)).text).toContain('mfakit demo');
  expect((await request(server).get('/nope').expect(404)).body.code).toBe('not_found');
});
