import { systemClock } from '@mfakit/core';
import { totpCode } from '@mfakit/testing';
import { CONTRACT_PATH } from './config';

/**
 * Enrolls a TOTP factor for the token's user through the gateway's own routes, as a client would
 * (`POST /mfa/totp`, then its confirm route with the code an authenticator shows now), and answers
 * the headers every request of the benchmark sends: the access token and the MFA session the
 * confirmation opened.
 */
export async function openSession(gatewayUrl: string, accessToken: string): Promise<Record<string, string>> {
  const headers = { authorization: `Bearer ${accessToken}`, 'content-type': 'application/json' };
  const started = await fetch(`${gatewayUrl}${CONTRACT_PATH}/totp`, { method: 'POST', headers, body: '{}' });
  const startedBody = await started.text();
  if (started.status !== 201) throw new Error(`the gateway's enrollment (POST ${CONTRACT_PATH}/totp) answered ${started.status}: ${startedBody}`);
  const { factorId, secret } = JSON.parse(startedBody) as { factorId: string; secret: string };
  const confirmed = await fetch(`${gatewayUrl}${CONTRACT_PATH}/totp/${encodeURIComponent(factorId)}/confirm`, {
    method: 'POST',
    headers,
    body: JSON.stringify({ code: totpCode(secret, systemClock) }),
  });
  const confirmedBody = await confirmed.text();
  if (confirmed.status !== 200) throw new Error(`the gateway's confirmation answered ${confirmed.status}: ${confirmedBody}`);
  const { session } = JSON.parse(confirmedBody) as { session: { sessionToken: string } };
  return { authorization: headers.authorization, 'x-session-token': session.sessionToken };
}
