/**
 * Threat: a proxy in front of the gateway that lets through what the gateway refused, or gives the
 * API an identity the gateway did not vouch for. Real nginx 1.22 (Debian's package, auth_request)
 * runs examples/gateway/nginx.conf in front of the gateway's /authz/auth-request, and the
 * gateway's scenario table goes through it: every refusal stays a refusal, a spoofed X-MFA-* header
 * never reaches the API, nor do the MFA credentials.
 *
 * Needs nginx (`.ci/run` installs it); without it the file is skipped here and fails under CI.
 */
import { startNginx } from './lib/proxies';
import { describeBehindProxy, type GatewayAnswer, type ProxyAnswer } from './lib/suite';

/**
 * What the client gets through nginx's auth_request when the gateway answers `answer`: a 2xx lets
 * the request through to the API; a 401 or 403 goes to the client with nginx's own HTML page in
 * place of the gateway's problem body, a 401 keeping the gateway's WWW-Authenticate and a 403 no
 * header; any other status (the 400 of a dot segment, a 429, a 503) becomes a 500.
 */
function throughNginx(answer: GatewayAnswer): ProxyAnswer {
  if (answer.status >= 200 && answer.status < 300) return { status: answer.status, code: undefined, challenge: false };
  if (answer.status === 401) return { status: 401, code: undefined, challenge: true };
  if (answer.status === 403) return { status: 403, code: undefined, challenge: false };
  return { status: 500, code: undefined, challenge: false };
}

describeBehindProxy({
  name: 'nginx',
  start: startNginx,
  through: throughNginx,
  // `proxy_set_header X-MFA-User $mfa_user` with an empty value sends no header at all: the
  // client's copy is dropped, and the API sees none.
  emptyIdentity: undefined,
  // `add_header X-Session-Token $mfa_session_token always` (nothing when empty).
  passesSessionToken: true,
  // `proxy_pass http://api;` has no URI: nginx hands the API the request URI exactly as the client
  // sent it (doubled slashes, percent-encoding and all), which is also what the gateway judged
  // (X-Original-URL is built from $request_uri), after normalizing it the same way as standalone.
  targets: [
    { sent: '//public//x', received: '//public//x' },
    { sent: '/public/%7Ex?a=%2F', received: '/public/%7Ex?a=%2F' },
    { sent: '/PUBLIC/x', received: '/PUBLIC/x' },
    { sent: '/public/a"b|c', received: '/public/a"b|c' },
  ],
});
