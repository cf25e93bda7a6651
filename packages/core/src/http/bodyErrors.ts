import { MfaError } from '../errors';
import type { Problem, ProblemCode } from '../problem';

const SIZE = /^\d+(\.\d+)?\s*(b|kb|mb|gb)?$/i; // what raw-body's `bytes` reads

/**
 * Checks a router's `bodyLimit` once, at construction: a size such as `'16kb'` (as body-parser
 * and raw-body read it) or a positive number of bytes; undefined gives the default, `'16kb'`.
 *
 * @param value - The option as given.
 * @param router - The router's name, for the message.
 * @returns The limit to give the framework's JSON parser.
 * @throws MfaError `invalid_option` for anything else (a body parser would otherwise fail late,
 *   or read `'abc'` as no limit at all).
 * @example
 * const limit = bodyLimitOf(options.bodyLimit, 'mfaRouter'); // '16kb' when not given
 * router.use(express.json({ limit }));
 */
export function bodyLimitOf(value: unknown, router: string): string | number {
  const limit = value ?? '16kb';
  if (typeof limit === 'string' ? SIZE.test(limit) : Number.isSafeInteger(limit) && (limit as number) > 0) return limit as string | number;
  throw new MfaError('invalid_option', `${router} bodyLimit must be a size such as '16kb' or a number of bytes`);
}

// The `type` of raw-body's errors, which Express's and Koa's JSON parsers both raise
// (https://github.com/expressjs/body-parser#errors), and the problem each becomes.
const BODY_ERRORS: Record<string, ProblemCode> = {
  'entity.parse.failed': 'invalid_request',
  'entity.verify.failed': 'invalid_request',
  'request.aborted': 'invalid_request',
  'request.size.invalid': 'invalid_request',
  'entity.too.large': 'payload_too_large',
  'parameters.too.many': 'payload_too_large',
  'encoding.unsupported': 'unsupported_media_type',
  'charset.unsupported': 'unsupported_media_type',
};

const DETAILS: Partial<Record<ProblemCode, string>> = {
  payload_too_large: 'The body is larger than this API accepts.',
  unsupported_media_type: 'Send the body as UTF-8 JSON (Content-Type: application/json).',
};

/**
 * The problem for an error a framework raised while reading a request (a body that is not JSON,
 * too large, in an unknown charset; a malformed URL), or null for any other error, which is not
 * the client's. It reads the `type` of body-parser's and raw-body's errors, else a 4xx
 * `status` / `statusCode`.
 *
 * @param err - What the framework threw or passed on.
 * @returns `invalid_request`, `payload_too_large` or `unsupported_media_type`, or null.
 * @example
 * app.use((err, req, res, next) => {
 *   const problem = requestErrorProblem(err);
 *   if (!problem) return next(err);
 *   const answer = problemResponse(problem);
 *   res.status(answer.status).set(answer.headers).json(answer.body);
 * });
 */
export function requestErrorProblem(err: unknown): Problem | null {
  const { status, statusCode, type } = (err ?? {}) as { status?: unknown; statusCode?: unknown; type?: unknown };
  const code = typeof type === 'string' ? BODY_ERRORS[type] : undefined;
  const httpStatus = status ?? statusCode;
  if (!code && !(typeof httpStatus === 'number' && httpStatus >= 400 && httpStatus < 500)) return null;
  if (!code && httpStatus === 413) return { code: 'payload_too_large', detail: DETAILS.payload_too_large! };
  if (!code && httpStatus === 415) return { code: 'unsupported_media_type', detail: DETAILS.unsupported_media_type! };
  if (!code) return { code: 'invalid_request', detail: 'The request is malformed.' };
  return { code, detail: DETAILS[code] ?? (type === 'entity.parse.failed' ? 'The body is not valid JSON.' : 'The request body could not be read.') };
}
