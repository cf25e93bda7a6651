/**
 * What a request's body is, for sending it again after a step-up: a value that `fetch` reads anew
 * each time it is sent, a `Request` kept by `clone()` before the first send, nothing, or something
 * that cannot be sent twice (a stream, an async iterable, a used `Request`).
 */
export type ReplayableBody = { kind: 'none' } | { kind: 'value'; value: BodyValue } | { kind: 'request'; request: Request } | { kind: 'unreplayable'; reason: string };

/** `BodyInit` (as `RequestInit['body']` names it, in DOM and Node.js types alike). */
type BodyValue = NonNullable<RequestInit['body']>;

/** The exact bytes a body is sent as, and the `Content-Type` that `fetch` would give it. */
export interface BodyBytes {
  bytes: Uint8Array;
  contentType: string | null;
}

/**
 * How the body of `fetch(input, init)` can be sent again. A `Request` with a body is cloned here,
 * before its first send (the clone keeps the body in memory for the one retry); call this before
 * sending `input`.
 */
export function replayableBody(input: string | URL | Request, init: RequestInit | undefined): ReplayableBody {
  if (init?.body !== undefined) return valueBody(init.body);
  if (!(input instanceof Request) || input.body === null) return { kind: 'none' };
  if (input.bodyUsed) return { kind: 'unreplayable', reason: 'its Request was sent or read already' };
  return { kind: 'request', request: input.clone() };
}

/** A body given in `init`: a value `fetch` reads anew each time, or a stream it consumes. */
function valueBody(body: BodyValue | null): ReplayableBody {
  if (body === null) return { kind: 'none' };
  if (typeof body === 'string' || body instanceof ArrayBuffer || ArrayBuffer.isView(body) || body instanceof Blob || body instanceof URLSearchParams || body instanceof FormData) {
    return { kind: 'value', value: body };
  }
  return { kind: 'unreplayable', reason: 'its body is a stream, which fetch reads only once' };
}

/**
 * The exact bytes a body goes out as, read once. A `FormData` is encoded here, with its multipart
 * boundary: sent as these bytes (with the `Content-Type` naming that boundary) it keeps the digest
 * computed over them, whereas `fetch` would pick a new boundary for each send.
 */
export async function bodyBytes(body: ReplayableBody): Promise<BodyBytes | null> {
  if (body.kind === 'none' || body.kind === 'unreplayable') return null;
  const source = body.kind === 'request' ? body.request : new Response(body.value);
  return { bytes: new Uint8Array(await source.arrayBuffer()), contentType: source.headers.get('content-type') };
}

/**
 * The RFC 9530 `Content-Digest` member of these bytes with SHA-256: `sha-256=:<base64>:`, by the
 * Web Crypto API (`crypto.subtle`, in browsers and Node.js 20+).
 *
 * @see RFC 9530 section 2 (Content-Digest); RFC 8941 section 3.3.5 (byte sequences)
 */
export async function contentDigest(bytes: Uint8Array): Promise<string> {
  const hash = new Uint8Array(await crypto.subtle.digest('SHA-256', bytes));
  let binary = '';
  for (const byte of hash) binary += String.fromCharCode(byte);
  return `sha-256=:${btoa(binary)}:`;
}
