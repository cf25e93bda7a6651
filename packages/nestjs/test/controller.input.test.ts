/**
 * Threat: mfakit's handling of bad bodies leaking into the rest of a Nest application. Nest's
 * body parser fails before any controller runs, so the module answers its errors on the
 * contract's routes as the contract's problem+json (run in contract.test.ts); the application's
 * other routes must keep Nest's own answer.
 */
import { Body, Controller, Post } from '@nestjs/common';
import request from 'supertest';
import { makeHarness, ProtectedController } from './helpers';

test("other routes of the application keep Nest's own answer to a bad body", async () => {
  @Controller('orders')
  class OrdersController {
    @Post()
    create(@Body() body: unknown) {
      return body;
    }
  }
  const h = await makeHarness({ metadata: { controllers: [OrdersController, ProtectedController] } });
  const res = await request(h.app).post('/orders').set('Content-Type', 'application/json').send('{"code":');
  expect(res.status).toBe(400);
  expect(res.headers['content-type']).toMatch(/^application\/json/);
  expect(res.body).toMatchObject({ statusCode: 400 });
  expect(res.body.code).toBeUndefined();
});
