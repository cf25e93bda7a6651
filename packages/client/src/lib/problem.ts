import { MfaClientError, type ProblemDetails } from '../errors';

/** The problem details body of an answer, or undefined when it has none (not JSON, not an object). Reads the body. */
export async function problemOf(response: Response): Promise<ProblemDetails | undefined> {
  if (!/\bjson\b/i.test(response.headers.get('content-type') ?? '')) {
    await response.body?.cancel();
    return undefined;
  }
  try {
    const body: unknown = await response.json();
    return body !== null && typeof body === 'object' && !Array.isArray(body) ? (body as ProblemDetails) : undefined;
  } catch {
    return undefined;
  }
}

/**
 * `Retry-After` in seconds: delay-seconds as sent, an HTTP-date as the seconds from now to it
 * (0 when past), undefined when absent or malformed.
 *
 * @see RFC 9110 section 10.2.3 (Retry-After)
 */
export function retryAfterOf(response: Response, now = Date.now()): number | undefined {
  const value = response.headers.get('retry-after')?.trim();
  if (!value) return undefined;
  if (/^[0-9]+$/.test(value)) return Number(value);
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, Math.ceil((date - now) / 1000));
}

/**
 * The error an unsuccessful answer of a `/mfa` route becomes: the problem's `code`, `detail` and
 * `Retry-After`, or `unexpected_response` for an answer without a problem body (a proxy's HTML
 * page, a `base` pointing elsewhere). Reads the body.
 */
export async function errorOf(response: Response, route: string): Promise<MfaClientError> {
  const problem = await problemOf(response);
  const { status } = response;
  const retryAfter = retryAfterOf(response);
  const details = { status, ...(retryAfter === undefined ? {} : { retryAfter }) };
  if (typeof problem?.code !== 'string') {
    return new MfaClientError('unexpected_response', `${route} answered ${status} without a problem details body: is base the URL of the mfakit routes?`, details);
  }
  const detail = typeof problem.detail === 'string' ? problem.detail : undefined;
  return new MfaClientError(problem.code, `${route} answered ${status} ${problem.code}${detail ? `: ${detail}` : ''}`, {
    ...details,
    problem,
    ...(detail === undefined ? {} : { detail }),
  });
}
