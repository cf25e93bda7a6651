import type { Problem, ProblemCode } from './problems';

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
 * the client's.
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
