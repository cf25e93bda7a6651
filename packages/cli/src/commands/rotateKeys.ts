import { noArguments } from '../lib/args';
import type { Command } from '../lib/command';
import { EXIT_OK } from '../lib/exitCodes';
import { printable } from '../lib/text';

/** `rotate-keys`: re-encrypts every stored secret under the current (first) key of the ring. */
export const rotateKeysCommand: Command = {
  options: {},
  async run({ positionals }, { mfa, stdout }) {
    noArguments('rotate-keys', positionals);
    const { rotated, total } = await mfa.rotateKeys();
    const current = printable(mfa.options.keyRing.currentId);
    stdout(
      `Rotated ${rotated}/${total} secrets to key ${current}` +
        (rotated < total ? ` (the other ${total - rotated} were under it already).\n` : '.\n'),
    );
    return EXIT_OK;
  },
};
