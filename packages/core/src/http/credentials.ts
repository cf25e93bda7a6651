import type { MfaRequest } from '../request';

/** The name of the cookie that may carry the MFA session token instead of the header. */
export const SESSION_COOKIE = 'mfa_session';
const MAX_HEADER_VALUE = 256; // a token is 47 characters, a code 8: anything longer is not one

/**
 * Reads the MFA credentials of a request from its headers, by lower-case name: the session token
 * from `X-Session-Token` (or the `mfa_session` cookie) and an inline code from `X-MFA-Token`.
 * Over-long values are dropped here so no adapter has to think about them.
 */
export function readCredentials(header: (name: string) => string | string[] | undefined): Pick<MfaRequest, 'sessionToken' | 'inlineCode'> {
  const raw = (name: string) => {
    const value = header(name);
    return Array.isArray(value) ? value[0] : value;
  };
  const capped = (text: string | undefined) => (text !== undefined && text.length <= MAX_HEADER_VALUE ? text.trim() : undefined);
  const one = (name: string) => capped(raw(name));
  // The cap applies to the cookie's value, not to the whole Cookie header, which a browser fills
  // with every other cookie of the site too.
  const sessionToken = one('x-session-token') || capped(cookie(raw('cookie'), SESSION_COOKIE));
  const inlineCode = one('x-mfa-token');
  return { ...(sessionToken ? { sessionToken } : {}), ...(inlineCode ? { inlineCode } : {}) };
}

function cookie(header: string | undefined, name: string): string | undefined {
  if (!header) return undefined;
  for (const part of header.split(';')) {
    const [key, ...value] = part.trim().split('=');
    if (key === name) return value.join('=') || undefined;
  }
  return undefined;
}
