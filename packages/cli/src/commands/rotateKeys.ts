import { noArguments } from '../lib/args';
import type { Command } from '../lib/command';
import { EXIT_OK } from '../lib/exitCodes';
import { printable } from '../lib/text';

/** `rotate-keys`: re-encrypts every stored secret under the current (first) key of the ring. */
export const rotateKeysCommand: Command = {
  options: {},
  async run({ positionals }, { mfa, stdout }) {
    noArguments('rotate-keys', positionals);
    const { rotated, current, total, keyId } = await mfa.admin.rotateKeys();
    const raced = total - rotated - current;
    const notes = [current > 0 ? `${current} under it already` : '', raced > 0 ? `${raced} changed while it ran: run it again` : ''].filter(Boolean);
    stdout(`Rotated ${rotated}/${total} secrets to key ${printable(keyId)}${notes.length > 0 ? ` (${notes.join('; ')})` : ''}.\n`);
    return EXIT_OK;
  },
};
