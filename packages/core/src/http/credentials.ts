import type { MfaRequest } from '../request';

/** The name of the cookie that may carry the MFA session token instead of the header. */
export const SESSION_COOKIE = 'mfa_session';
const MAX_HEADER_VALUE = 256; // a token is 47 characters: anything longer is not one
const MAX_CODE_LENGTH = 64;
const MAX_USER_AGENT_LENGTH = 256; // kept with the last proof: enough to tell browsers apart

/**
 * Reads the MFA credentials of a request from its headers, by lower-case name: the session token
 * from `X-Session-Token` (or the `mfa_session` cookie), an inline code from `X-MFA-Token`, and
 * the User-Agent (cut to 256 characters) for the record of the last proof.
 * An over-long session token is dropped and an over-long code cut short, here, so that no
 * adapter has to think about them.
 */
export function readCredentials(header: (name: string) => string | string[] | undefined): Pick<MfaRequest, 'sessionToken' | 'inlineCode' | 'userAgent'> {
  const raw = (name: string) => {
    const value = header(name);
    return Array.isArray(value) ? value[0] : value;
  };
  const capped = (text: string | undefined) => (text !== undefined && text.length <= MAX_HEADER_VALUE ? text.trim() : undefined);
  // The cap applies to the cookie's value, not to the whole Cookie header, which a browser fills
  // with every other cookie of the site too.
  const sessionToken = capped(raw('x-session-token')) || capped(cookie(raw('cookie'), SESSION_COOKIE));
  // An over-long inline code is still a (wrong) code, not a missing one: cut, it fails as such.
  const inlineCode = raw('x-mfa-token')?.trim().slice(0, MAX_CODE_LENGTH);
  const userAgent = raw('user-agent')?.slice(0, MAX_USER_AGENT_LENGTH);
  return { ...(sessionToken ? { sessionToken } : {}), ...(inlineCode ? { inlineCode } : {}), ...(userAgent ? { userAgent } : {}) };
}

function cookie(header: string | undefined, name: string): string | undefined {
  if (!header) return undefined;
  for (const part of header.split(';')) {
    const [key, ...value] = part.trim().split('=');
    if (key === name) return value.join('=') || undefined;
  }
  return undefined;
}
