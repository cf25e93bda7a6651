// Threat: an administrator's terminal, shell history or a shared CSV export reveals a TOTP secret or recovery code.
import { plaintextForms } from '@mfakit/testing';
import { enrollTotp, KEY_2, KEY_1, setup } from './helpers';

test('no command prints a secret, an encrypted secret or a recovery code, in any format', async () => {
  const old = setup([KEY_1]);
  const alice = await enrollTotp(old, 'alice');
  const h = old.withKeys([KEY_2, KEY_1]);
  const stored = (await h.store.listFactors('alice')).map((f) => (f as { secret: string }).secret);
  const outputs: string[] = [];
  for (const argv of [
    ['report'],
    ['report', '--format', 'json'],
    ['report', '--format', 'csv'],
    ['rotate-keys'],
    ['exempt', 'alice', '--reason', 'x', '--until', '1d'],
    ['exempt', 'alice', '--lift'],
    ['revoke', 'alice'],
  ]) {
    const { out, err } = await h.run(argv);
    outputs.push(out, err);
  }
  const all = outputs.join('\n');
  for (const secret of [...plaintextForms(alice.secret), ...stored, ...alice.recoveryCodes, alice.sessionToken]) expect(all).not.toContain(secret);
});
