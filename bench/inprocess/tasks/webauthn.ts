// webauthn.verify: mfakit's verification of a WebAuthn assertion (`mfa.authenticateWebAuthn`:
// the response's shape, the throttle, the challenge spent atomically, @simplewebauthn/server's
// verifyAuthenticationResponse, the signature counter moved by compare-and-set, a new session)
// against @simplewebauthn/server's verifyAuthenticationResponse alone with the same parameters,
// in interleaved rounds. Each assertion is signed by the SoftAuthenticator for a fresh challenge
// before the timing starts. Target: at most 1.1x.
import { FakeClock } from '@mfakit/testing';
import { type AuthenticationResponseJSON, type PublicKeyCredentialRequestOptionsJSON, verifyAuthenticationResponse } from '@simplewebauthn/server';
import { randomBytes } from 'node:crypto';
import { compared, median, round } from '../../lib/measurement';
import { benchMfa, enrollPasskey, ok, ORIGIN, WEBAUTHN } from '../lib/fixtures';
import { type Task, runFor } from '../lib/task';
import { type Batch, interleave, medianCost, spread, timeBatch } from '../lib/timing';
import { contextOf } from '../../../packages/core/src/createMfa';
import { stateKeys } from '../../../packages/core/src/lib/keys';

const TARGET_RATIO = 1.1;

interface Assertion {
  response: AuthenticationResponseJSON;
  challenge: string;
}

interface Fixture {
  /** `n` assertions for challenges mfakit issued and stored (made before timing). */
  mfakitAssertions: (n: number) => Promise<Assertion[]>;
  /** `n` assertions for challenges made here (made before timing). */
  libraryAssertions: (n: number) => Assertion[];
  /** mfakit's verification of one assertion. */
  mfakit: (assertion: Assertion) => Promise<void>;
  /** @simplewebauthn/server's alone. */
  library: (assertion: Assertion) => Promise<void>;
}

async function fixture(): Promise<Fixture> {
  const clock = new FakeClock();
  const bench = benchMfa(clock, { webauthn: true });
  const { user, authenticator, factor } = await enrollPasskey(bench, 'alice');
  const credential = { id: factor.credentialId, publicKey: new Uint8Array(Buffer.from(factor.publicKey, 'base64url')), counter: 0, transports: factor.transports as never };
  const requireUserVerification = contextOf(bench.mfa).webauthn!.userVerification === 'required';
  const { state } = contextOf(bench.mfa);
  return {
    async mfakitAssertions(n) {
      const assertions: Assertion[] = [];
      for (let i = 0; i < n; i++) {
        await state.delete(stateKeys.challengeStarts(user.id)); // past the cap of challenges a user may make in five minutes: the verification is measured, not the cap
        const options = ok(await bench.mfa.webauthnAuthenticationOptions({ user }));
        assertions.push({ response: authenticator.authenticate(options), challenge: options.challenge });
      }
      return assertions;
    },
    libraryAssertions(n) {
      return Array.from({ length: n }, () => {
        const challenge = randomBytes(32).toString('base64url');
        const options: PublicKeyCredentialRequestOptionsJSON = { challenge, rpId: WEBAUTHN.rpID, allowCredentials: [{ id: factor.credentialId, type: 'public-key' }], userVerification: 'preferred' };
        return { response: authenticator.authenticate(options), challenge };
      });
    },
    async mfakit({ response }) {
      const verified = await bench.mfa.authenticateWebAuthn({ user }, response);
      if (!verified.ok) throw new Error(`mfakit refused a valid assertion: ${verified.problem.code}: ${verified.problem.detail}`);
    },
    async library({ response, challenge }) {
      const result = await verifyAuthenticationResponse({ response, expectedChallenge: challenge, expectedOrigin: [ORIGIN], expectedRPID: WEBAUTHN.rpID, credential, requireUserVerification });
      if (!result.verified) throw new Error('@simplewebauthn/server refused a valid assertion');
    },
  };
}

export const webauthn: Task = {
  async run({ quick }) {
    const f = await fixture();
    const [rounds, n] = quick ? [7, 150] : [25, 400];
    const mine: Batch = async () => {
      const assertions = await f.mfakitAssertions(n);
      return timeBatch(n, (i) => f.mfakit(assertions[i]!));
    };
    const theirs: Batch = async () => {
      const assertions = f.libraryAssertions(n);
      return timeBatch(n, (i) => f.library(assertions[i]!));
    };
    await interleave(quick ? 3 : 10, mine, theirs); // warm-up: the library's code takes a thousand calls or more to settle
    const result = await interleave(rounds, mine, theirs);
    const base = medianCost(result.b);
    return [
      { name: 'webauthn.simplewebauthn_verify', value: round(base.cpuUs, 1), unit: 'us CPU/verify', note: '@simplewebauthn/server verifyAuthenticationResponse alone (ES256 assertion)' },
      compared(
        'webauthn.verify',
        round(medianCost(result.a).cpuUs, 1),
        'us CPU/verify',
        'webauthn.simplewebauthn_verify',
        median(result.ratios),
        { atMost: TARGET_RATIO },
        `mfa.authenticateWebAuthn on the MemoryStore (challenge consumed, counter CAS, new session); median of per-round ratios, ${spread(result.ratios)} of ${n} assertions each`,
      ),
    ];
  },
  async profile(_name, seconds) {
    const f = await fixture();
    for (const assertion of await f.mfakitAssertions(300)) await f.mfakit(assertion); // warm-up
    const assertions = await f.mfakitAssertions(Math.ceil(seconds * 2500)); // more than a profile uses, made before it starts
    return () => runFor(seconds, (i) => f.mfakit(assertions[i]!), assertions.length);
  },
};
