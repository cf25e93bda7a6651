import { userIdArgument } from '../lib/args';
import type { Command } from '../lib/command';
import { EXIT_OK } from '../lib/exitCodes';
import { plural, printable } from '../lib/text';

/** `revoke <userId>`: every factor and recovery code goes, every MFA session ends (a lost device). */
export const revokeCommand: Command = {
  options: {},
  async run({ positionals }, { mfa, stdout, actor }) {
    const userId = userIdArgument('revoke', positionals);
    const { factorsRemoved } = await mfa.admin.revokeUser(userId, actor);
    const shown = printable(userId);
    stdout(
      factorsRemoved > 0
        ? `Revoked ${shown}: removed ${plural(factorsRemoved, 'factor')} and the recovery codes, and ended every MFA session. ${shown} must enroll again.\n`
        : `${shown} had no factors; ended every MFA session of theirs anyway.\n`,
    );
    return EXIT_OK;
  },
};
