import type { MfaUser } from '../options';
import type { MfaRequest } from '../request';

/**
 * The name of the cookie that may carry the MFA session token instead of the header. mfakit reads
 * it but never sets it: an application that keeps the token in a cookie sets it itself (HttpOnly,
 * Secure, SameSite) from the `sessionToken` a verification returns.
 */
export const SESSION_COOKIE = 'mfa_session';
const MAX_HEADER_VALUE = 256; // a token is 47 characters: anything longer is not one
const MAX_CODE_LENGTH = 64;
const MAX_USER_AGENT_LENGTH = 256; // kept with the last proof: enough to tell browsers apart

/** A request's headers as Node.js parses them (`req.headers`, Koa's `ctx.headers`): lower-case names. */
export type RequestHeaders = Readonly<Record<string, string | string[] | undefined>>;

/**
 * Builds the plain request the core decides on from an HTTP request's parts: the primary user,
 * the headers, and the client's address. From the headers it reads the session token
 * (`X-Session-Token`, or the `mfa_session` cookie), an inline code (`X-MFA-Token`) and the
 * User-Agent (cut to 256 characters) for the record of the last proof. An over-long session token
 * is dropped and an over-long code cut short, here, so that no adapter has to think about them.
 * Every adapter calls it on every protected request: it reads each header once and allocates one
 * object.
 *
 * @param user - The primary user (see `mfaUserOf`), or null.
 * @param headers - The request's headers, names in lower case as Node.js gives them.
 * @param ip - The client's address as the framework resolves it (trusting proxies as configured).
 * @returns The request for {@link Mfa.check} and the other methods of the core.
 *
 * @example
 * const request = mfaRequestOf(mfaUserOf(req.user), req.headers, req.ip);
 * const decision = await mfa.check(request);
 */
export function mfaRequestOf(user: MfaUser | null, headers: RequestHeaders, ip: string | undefined): MfaRequest {
  const code = first(headers['x-mfa-token'])?.trim();
  const userAgent = first(headers['user-agent']);
  return {
    user,
    sessionToken: capped(first(headers['x-session-token'])) || capped(cookie(first(headers.cookie), SESSION_COOKIE)) || undefined,
    // An over-long inline code is still a (wrong) code, not a missing one: cut, it fails as such.
    inlineCode: code ? code.slice(0, MAX_CODE_LENGTH) : undefined,
    userAgent: userAgent ? userAgent.slice(0, MAX_USER_AGENT_LENGTH) : undefined,
    ip,
  };
}

const first = (value: string | string[] | undefined): string | undefined => (typeof value === 'string' ? value : value?.[0]);

const capped = (text: string | undefined): string | undefined => (text !== undefined && text.length <= MAX_HEADER_VALUE ? text.trim() : undefined);

// The cap applies to the cookie's value, not to the whole Cookie header, which a browser fills
// with every other cookie of the site too.
function cookie(header: string | undefined, name: string): string | undefined {
  if (!header) return undefined;
  for (const part of header.split(';')) {
    const [key, ...value] = part.trim().split('=');
    if (key === name) return value.join('=') || undefined;
  }
  return undefined;
}
