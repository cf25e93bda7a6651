/**
 * What `mfakit help`, `mfakit --help` and a bare `mfakit` print: every command, its options and
 * the exit codes.
 *
 * @example
 * process.stdout.write(USAGE);
 */
export const USAGE = `Usage: mfakit <command> [options]

Commands:
  report [--format table|json|csv]   Where every user stands: required, enrolled, exempt,
                                     factors, last verification; then the totals.
                                     CSV is RFC 4180, safe to open in a spreadsheet.
  revoke <userId>                    Removes every factor and recovery code of the user and
                                     ends all their MFA sessions (a lost device).
  unlock <userId>                    Clears the user's locks and count of failed codes, so
                                     codes work again after too many wrong ones in a row.
  exempt <userId> --reason <text> --until <time>
                                     Exempts the user from MFA until <time>: an ISO 8601 date
                                     or time (2026-12-01, 2026-12-01T09:00:00Z) or a duration
                                     from now (30m, 12h, 7d); at most a year away.
  exempt <userId> --lift             Ends the user's exemption.
  rotate-keys                        Re-encrypts every stored secret under the current (first)
                                     key of MFA_ENCRYPTION_KEYS. Keep the old keys listed
                                     until it has run.
  help                               This text (also --help, -h).

Exit codes: 0 done, 1 could not be done, 2 wrong command line.
`;
