/**
 * The StateStore keys of the core. Each key carries the user in braces: a Redis Cluster hash tag,
 * so one user's keys live on one shard and a multi-key step stays atomic.
 */
const tag = (userId: string) => `{${encodeURIComponent(userId)}}`;

export const stateKeys = {
  session: (userId: string, tokenHash: string) => `session:${tag(userId)}:${tokenHash}`,
  /** A step-up grant, by the hash of its token, until it is spent. */
  grant: (userId: string, tokenHash: string) => `grant:${tag(userId)}:${tokenHash}`,
  enrollment: (userId: string, factorId: string) => `enroll:${tag(userId)}:${factorId}`,
  challenge: (userId: string, ceremony: 'registration' | 'authentication', challenge: string) => `challenge:${tag(userId)}:${ceremony}:${challenge}`,
  /** WebAuthn challenges made for the user in the current window: caps the challenges kept. */
  challengeStarts: (userId: string) => `challengestarts:${tag(userId)}`,
  usedStep: (userId: string, factorId: string) => `step:${tag(userId)}:${factorId}`,
  attempts: (userId: string) => `attempts:${tag(userId)}`,
  lock: (userId: string) => `lock:${tag(userId)}`,
  lockLevel: (userId: string) => `locklevel:${tag(userId)}`,
  oobCode: (userId: string, factorId: string) => `oob:${tag(userId)}:${factorId}`,
  oobSends: (userId: string, factorId: string) => `oobsends:${tag(userId)}:${factorId}`,
  /** Codes sent to any of the user's destinations in the last day (SMS pumping). */
  oobUserSends: (userId: string) => `oobusersends:${tag(userId)}`,
  /** Codes sent to one destination (by its hash), whoever asked, in the last day. */
  oobDestinationSends: (destinationHash: string) => `oobdestsends:{${destinationHash}}`,
  /** Failed codes since the last success, which neither a lock nor a window resets. */
  failureStreak: (userId: string) => `streak:${tag(userId)}`,
  /** Set once the failure streak reaches its limit: codes are refused while it exists. */
  codeLock: (userId: string) => `codelock:${tag(userId)}`,
  /** Failed proofs from one client address (its rate-limit key), all accounts together. */
  addressFailures: (addressKey: string) => `addrfail:{${encodeURIComponent(addressKey)}}`,
  /** Enrollments started in the current window: caps the pending ones and the cost of starts. */
  enrollmentStarts: (userId: string) => `enrollstarts:${tag(userId)}`,
  /** When the user's pending enrollments were last ended: those started before are void. */
  enrollmentCut: (userId: string) => `enrollcut:${tag(userId)}`,
  /** When every session of the user was ended (revocation): sessions created up to then are void. */
  revoked: (userId: string) => `revoked:${tag(userId)}`,
};

/** What every MFA check reads in one step: the session's key and the user's revocation mark (one tag made for both). */
export function sessionReadKeys(userId: string, tokenHash: string): [session: string, revoked: string] {
  const userTag = tag(userId);
  return [`session:${userTag}:${tokenHash}`, `revoked:${userTag}`];
}
