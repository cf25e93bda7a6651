import { userIdArgument } from '../lib/args';
import type { Command } from '../lib/command';
import { EXIT_OK } from '../lib/exitCodes';
import { printable } from '../lib/text';

/** `unlock <userId>`: clears the user's locks and failure streak, so codes work again. */
export const unlockCommand: Command = {
  options: {},
  async run({ positionals }, { mfa, stdout, actor }) {
    const userId = userIdArgument('unlock', positionals);
    await mfa.admin.unlockUser(userId, actor);
    stdout(`Unlocked ${printable(userId)}: codes are accepted again, and the count of failed attempts starts over.\n`);
    return EXIT_OK;
  },
};
