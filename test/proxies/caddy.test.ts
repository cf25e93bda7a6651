/**
 * Threat: a proxy in front of the gateway that lets through what the gateway refused, or gives the
 * API an identity the gateway did not vouch for. Real Caddy 2.6 (Debian's package, forward_auth)
 * runs examples/gateway/Caddyfile in front of the gateway's /authz/forward-auth, and the gateway's
 * scenario table goes through it: every refusal stays a refusal, a spoofed X-MFA-* header never
 * reaches the API, nor do the MFA credentials.
 *
 * Needs caddy (`.ci/run` installs it); without it the file is skipped here and fails under CI.
 */
import { startCaddy } from './lib/proxies';
import { describeBehindProxy, type GatewayAnswer, type ProxyAnswer } from './lib/suite';

/**
 * What the client gets through Caddy's forward_auth when the gateway answers `answer`: a 2xx lets
 * the request through to the API; anything else goes to the client as the gateway sent it, status,
 * headers (WWW-Authenticate) and problem body.
 */
function throughCaddy(answer: GatewayAnswer): ProxyAnswer {
  if (answer.status >= 200 && answer.status < 300) return { status: answer.status, code: undefined, challenge: false };
  return { status: answer.status, code: answer.code, challenge: answer.status === 401 };
}

describeBehindProxy({
  name: 'caddy',
  start: startCaddy,
  through: throughCaddy,
  // Caddy 2.6.2's copy_headers sets each listed header to the gateway's value, an empty one too:
  // the client's copy is replaced by an empty header. (It removes no client copy of its own, which
  // is why the gateway sends all three on every 200. Later Caddy releases delete the client's copy
  // first and set nothing for an empty value: the API then gets no header, as behind nginx.)
  emptyIdentity: '',
  // forward_auth copies the auth answer's headers into the request only, never into the client's
  // answer: behind Caddy, an inline X-MFA-Token code lets its one request through, and a client
  // gets a session for further requests from POST /mfa/verify (which the Caddyfile passes to the gateway).
  passesSessionToken: false,
  // reverse_proxy sends the path it parsed (Go's net/url), not the bytes the client sent: not
  // cleaned (doubled slashes stay, as the gateway judged them once normalized), the query and valid
  // percent-encodings as sent, but a character a path may not hold raw is re-encoded (`"` to %22,
  // `|` to %7C). The gateway judged the path as sent (X-Forwarded-Uri), the same path once decoded.
  targets: [
    { sent: '//public//x', received: '//public//x' },
    { sent: '/public/%7Ex?a=%2F', received: '/public/%7Ex?a=%2F' },
    { sent: '/PUBLIC/x', received: '/PUBLIC/x' },
    { sent: '/public/a"b|c', received: '/public/a%22b%7Cc' },
  ],
});
