import { userIdArgument, stringFlag } from '../lib/args';
import type { Command } from '../lib/command';
import { EXIT_FAILED, EXIT_OK, EXIT_USAGE } from '../lib/exitCodes';
import { isoOf, printable } from '../lib/text';
import { parseUntil } from '../lib/until';
import { UsageError } from '../lib/usageError';

/** `exempt <userId> --reason <text> --until <time>`, or `exempt <userId> --lift`. */
export const exemptCommand: Command = {
  options: { reason: { type: 'string' }, until: { type: 'string' }, lift: { type: 'boolean' } },
  async run({ values, positionals }, { mfa, stdout, stderr, actor }) {
    const userId = userIdArgument('exempt', positionals);
    const shown = printable(userId);
    const reason = stringFlag(values, 'reason');
    const until = stringFlag(values, 'until');

    if (values.lift === true) {
      if (reason !== undefined || until !== undefined) throw new UsageError('exempt --lift takes neither --reason nor --until');
      if (await mfa.admin.liftExemption(userId, actor)) {
        stdout(`Lifted the exemption of ${shown}: MFA applies to them again.\n`);
        return EXIT_OK;
      }
      stderr(`${shown} has no exemption to lift.\n`);
      return EXIT_FAILED;
    }

    const missing = [reason === undefined || reason.trim() === '' ? '--reason <text>' : null, until === undefined ? '--until <time>' : null].filter(Boolean);
    if (missing.length > 0) {
      throw new UsageError(`exempt needs ${missing.join(' and ')} (e.g. mfakit exempt ${shown} --reason "lost phone, new one on Monday" --until 7d), or --lift`);
    }
    const granted = await mfa.admin.grantExemption(userId, { reason, ...parseUntil(until!) }, actor);
    if (!granted.ok) {
      // invalid_request: the reason or the time was unusable (too long, past, over a year away).
      stderr(`mfakit: ${granted.problem.detail}\n`);
      return granted.problem.code === 'invalid_request' ? EXIT_USAGE : EXIT_FAILED;
    }
    stdout(`${shown} is exempt from MFA until ${isoOf(granted.value.expiresAt)} (reason: ${printable(granted.value.reason)}; granted by ${printable(granted.value.grantedBy)}).\n`);
    return EXIT_OK;
  },
};
