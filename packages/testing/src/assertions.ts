import type { Response } from 'supertest';

const CHALLENGE = 'Bearer error="insufficient_user_authentication", error_description="[^"]+"';

/**
 * Asserts an RFC 9457 answer of the contract: this status, `application/problem+json`,
 * `Cache-Control: no-store`, and exactly `type`, `title`, `status`, `detail` and `code`, the type
 * naming the code (`urn:mfakit:problem:<code>`, or the demos' `urn:mfakit:demo:problem:<code>`).
 */
export function expectProblem(res: Response, status: number, code: string): void {
  expect({ status: res.status, code: res.body?.code }).toEqual({ status, code });
  expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
  expect(res.headers['cache-control']).toBe('no-store');
  expect(Object.keys(res.body).sort()).toEqual(['code', 'detail', 'status', 'title', 'type']);
  expect(res.body).toEqual({
    type: expect.stringMatching(new RegExp(`^urn:mfakit:(demo:)?problem:${code}$`)),
    title: expect.stringMatching(/\S/),
    status,
    detail: expect.stringMatching(/\S/),
    code,
  });
}

/** Asserts the RFC 9470 step-up challenge, with whatever `extra` parameters must follow it. */
export function expectChallenge(res: Response, extra?: string): void {
  expect(res.headers['www-authenticate']).toMatch(new RegExp(`^${CHALLENGE}${extra === undefined ? '' : `, ${extra}`}$`));
}
