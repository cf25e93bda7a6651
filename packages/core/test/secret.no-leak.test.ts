// Threat: secrets, codes, tokens or hashes leak through audit events, log lines or error answers, which travel far wider than the store.
import type { OtpFactorRecord } from '@mfakit/core/store';
import { createHash } from 'node:crypto';
import { MemoryStore, normalizeRecoveryCode } from '@mfakit/core';
import { type HttpResult, handleRoute, type RouteInput, type RouteName } from '@mfakit/core/http';
import { FakeClock, totpCode, wrongCode, decide } from '@mfakit/testing';
import { ScureBase32Plugin } from 'otplib';
import { setup } from './helpers';

test('no event, log line or problem answer of a whole flow holds a secret, code, token or hash', async () => {
  // a state store that can go down, to bring out the logged failure path
  let down = false;
  const clock = new FakeClock();
  const backing = new MemoryStore({ clock });
  const refused = () => {
    throw new Error('connection refused');
  };
  const downTable = { get: refused, set: refused, delete: refused, revoke: refused }; // its session table goes down with it
  const state = new Proxy(backing, {
    get: (target, prop, receiver) => {
      if (down && (prop === 'get' || prop === 'getMany')) return () => Promise.reject(new Error('connection refused'));
      return down && prop === 'sessions' ? downTable : Reflect.get(target, prop, receiver);
    },
  });
  const h = setup(
    {
      encryptionKeys: undefined, // the development warning goes to the logger too
      stores: { factors: backing, state },
      onEvent: (event) => {
        h.events.push(event);
        if (event.type === 'account.locked') throw new Error('listener failed'); // logged by the core
      },
    },
    clock,
  );
  h.store.close(); // the harness's own store, unused here
  const { mfa } = h;

  const codes: string[] = [];
  const tokens: string[] = [];
  const problems: HttpResult[] = [];
  const code = (offsetSteps = 0) => remember(codes, totpCode(secret, clock, { offsetSteps }));
  const wrong = () => remember(codes, wrongCode(secret, clock));
  const alice = { id: 'alice' };
  async function route(name: RouteName, input: Partial<RouteInput> = {}): Promise<HttpResult> {
    const answer = await handleRoute(mfa, name, { user: alice, params: {}, body: undefined, ...input });
    if (answer.status >= 400) problems.push(answer);
    return answer;
  }
  async function check(input: Parameters<typeof mfa.check>[0], requirement = {}) {
    const decision = await decide(mfa, input, requirement);
    if (!decision.allow) problems.push(decision.response);
    return decision;
  }

  await check({ user: alice });
  const enrolled = (await route('enrollTotp')).body as { factorId: string; secret: string };
  const secret = enrolled.secret;
  const factorId = enrolled.factorId;
  await route('confirmTotp', { params: { factorId }, body: { code: wrong() } });
  const confirmed = (await route('confirmTotp', { params: { factorId }, body: { code: code() } })).body as { recoveryCodes: string[]; session: { sessionToken: string } };
  const firstCodes = confirmed.recoveryCodes;
  const token = remember(tokens, confirmed.session.sessionToken);
  const storedCodes = (await backing.getRecoveryCodes('alice'))!;
  const ciphertext = ((await backing.getFactor('alice', factorId)) as OtpFactorRecord).secret;

  await route('verify', { body: { code: code() } }); // replay of the confirmation code
  await route('verify', { body: { code: code(), recoveryCode: firstCodes[0] } }); // malformed
  await route('confirmTotp', { params: { factorId: 'fac_nope' }, body: { code: code(1) } });
  await check({ user: { id: 'bob' }, sessionToken: token });
  await check({ user: alice, sessionToken: token }, { methods: ['hwk'] });
  clock.advanceSeconds(301);
  await check({ user: alice, sessionToken: token }, { maxAge: 300 });
  await check({ user: alice, inlineCode: wrong() });
  await route('verify', { body: { recoveryCode: 'AAAA-BBBB-CCCC-DDDD' } });
  await route('verify', { body: { code: wrong() } }); // the third failure locks
  await route('verify', { body: { code: code() } }); // locked: even the right code
  await route('regenerateRecoveryCodes', { sessionToken: token });
  clock.advanceSeconds(30);
  const recovered = (await route('verify', { body: { recoveryCode: firstCodes[1]!.toLowerCase() } })).body as { sessionToken: string };
  const token2 = remember(tokens, recovered.sessionToken);
  const regenerated = (await route('regenerateRecoveryCodes', { sessionToken: token2 })).body as { recoveryCodes: string[] };
  await route('verify', { body: { recoveryCode: firstCodes[2]! } }); // voided set
  await route('removeFactor', { params: { factorId: 'fac_nope' }, sessionToken: token2 });
  clock.advanceSeconds(30);
  const verified = (await route('verify', { sessionToken: token2, body: { code: code() } })).body as { sessionToken: string };
  const token3 = remember(tokens, verified.sessionToken);
  down = true;
  await check({ user: alice, sessionToken: token3 });
  await route('status', { sessionToken: token3 });
  down = false;
  await route('endSession', { sessionToken: token3 });
  await check({ user: alice, sessionToken: token3 });

  // the flow did produce what is searched
  expect(problems.map((p) => p.status)).toEqual(expect.arrayContaining([400, 401, 403, 404, 429, 503]));
  expect(problems.map((p) => (p.body as { code: string }).code)).toEqual(expect.arrayContaining(['mfa_required', 'mfa_stale', 'mfa_method_required', 'mfa_locked']));
  expect(h.events.map((e) => e.type)).toEqual(
    expect.arrayContaining(['factor.enrolled', 'verification.failed', 'replay.rejected', 'account.locked', 'recovery.used', 'recovery.regenerated', 'session.ended']),
  );
  expect(h.logs.join('\n')).toMatch(/EPHEMERAL[\s\S]*listener failed[\s\S]*connection refused/);

  const secretBytes = Buffer.from(new ScureBase32Plugin().decode(secret));
  const forbidden = [
    ...[secret, secret.toLowerCase(), secretBytes.toString('hex'), secretBytes.toString('base64'), secretBytes.toString('base64url'), ciphertext],
    ...[...firstCodes, ...regenerated.recoveryCodes].flatMap((c) => [c, normalizeRecoveryCode(c)!]),
    ...tokens.flatMap((t) => [t, createHash('sha256').update(t).digest('hex')]),
    ...storedCodes.hashes,
    storedCodes.salt,
  ];
  const outputs = {
    events: h.events.map((e) => JSON.stringify(e)),
    logs: h.logs,
    problems: problems.map((p) => JSON.stringify(p)),
  };
  for (const [where, lines] of Object.entries(outputs)) {
    for (const line of lines) {
      for (const value of forbidden) expect({ where, line, leaks: line.includes(value) }).toEqual({ where, line, leaks: false });
      for (const otp of codes) expect({ where, line, leaks: new RegExp(`(?<!\\d)${otp}(?!\\d)`).test(line) }).toEqual({ where, line, leaks: false });
    }
  }
});

function remember(list: string[], value: string): string {
  list.push(value);
  return value;
}
