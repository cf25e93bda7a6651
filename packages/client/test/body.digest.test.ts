/**
 * Threat: a grant bound to bytes other than those sent (a digest over a re-encoded body, a
 * FormData whose boundary changes between the digest and the send), or a body sent again after a
 * stream had consumed it. The client's reading of bodies (src/lib/body.ts): which can be sent
 * again, their exact bytes, and the RFC 9530 digest of those bytes.
 */
import { createHash } from 'node:crypto';
import { bodyBytes, contentDigest, replayableBody } from '../src/lib/body';

const URL_ = 'http://api.example/x';
const text = (bytes: Uint8Array) => new TextDecoder().decode(bytes);
const sha256 = (bytes: Uint8Array) => `sha-256=:${createHash('sha256').update(bytes).digest('base64')}:`;

describe('contentDigest', () => {
  test('RFC 9530 section 2\'s example: {"hello": "world"}', async () => {
    expect(await contentDigest(new TextEncoder().encode('{"hello": "world"}'))).toBe('sha-256=:X48E9qOokqqrvdts8nOJRJN3OWDUoyWxBf7kbu9DBPE=:');
  });

  test('the empty body: SHA-256 of no bytes', async () => {
    expect(await contentDigest(new Uint8Array())).toBe('sha-256=:47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=:');
  });

  test('every byte value, as node:crypto hashes them', async () => {
    const bytes = Uint8Array.from({ length: 256 }, (_, i) => i);
    expect(await contentDigest(bytes)).toBe(sha256(bytes));
  });
});

describe('bodyBytes: the bytes fetch sends, and the Content-Type it would give them', () => {
  const bytesOf = (body: RequestInit['body']) => bodyBytes(replayableBody(URL_, { method: 'POST', body }));

  test.each<[string, () => RequestInit['body'], string, string | null]>([
    ['a string, as UTF-8', () => 'Zoë 💶', 'Zoë 💶', 'text/plain;charset=UTF-8'],
    ['URLSearchParams, as its string', () => new URLSearchParams({ a: '1', b: 'é' }), 'a=1&b=%C3%A9', 'application/x-www-form-urlencoded;charset=UTF-8'],
    ['a Blob, with its type', () => new Blob(['{"a":1}'], { type: 'application/json' }), '{"a":1}', 'application/json'],
    ['a Uint8Array', () => new TextEncoder().encode('raw'), 'raw', null],
    ['an ArrayBuffer', () => new TextEncoder().encode('buffer').buffer as ArrayBuffer, 'buffer', null],
    ['a DataView over part of a buffer', () => new DataView(new TextEncoder().encode('xxviewxx').buffer, 2, 4), 'view', null],
  ])('%s', async (_, body, expected, contentType) => {
    const read = await bytesOf(body());
    expect(text(read!.bytes)).toBe(expected);
    expect(read!.contentType).toBe(contentType);
  });

  test('FormData: encoded once; the bytes carry the boundary that the Content-Type names, and read back as the form', async () => {
    const form = new FormData();
    form.append('name', 'Bob');
    form.append('file', new Blob(['hello'], { type: 'text/plain' }), 'hello.txt');
    const read = (await bytesOf(form))!;
    const boundary = /^multipart\/form-data; boundary=(.+)$/.exec(read.contentType!)?.[1];
    expect(text(read.bytes)).toContain(`--${boundary}\r\n`);
    const back = await new Response(read.bytes, { headers: { 'Content-Type': read.contentType! } }).formData();
    expect(back.get('name')).toBe('Bob');
    expect(await (back.get('file') as Blob).text()).toBe('hello');
  });

  test('no body, or null: none', async () => {
    expect(replayableBody(URL_, undefined)).toEqual({ kind: 'none' });
    expect(replayableBody(URL_, { method: 'POST', body: null })).toEqual({ kind: 'none' });
    expect(await bodyBytes({ kind: 'none' })).toBeNull();
  });
});

describe('replayableBody', () => {
  test('a ReadableStream cannot be sent twice', () => {
    const body = replayableBody(URL_, { method: 'POST', body: new Blob(['x']).stream() });
    expect(body).toEqual({ kind: 'unreplayable', reason: expect.stringContaining('stream') });
  });

  test('a Request with a body is cloned before the first send: the original stays sendable, the copy holds the same bytes', async () => {
    const request = new Request(URL_, { method: 'POST', body: '{"a":1}', headers: { 'Content-Type': 'application/json' } });
    const body = replayableBody(request, undefined);
    expect(body.kind).toBe('request');
    expect(await request.text()).toBe('{"a":1}'); // what the first send reads
    const read = (await bodyBytes(body))!;
    expect(text(read.bytes)).toBe('{"a":1}');
    expect(read.contentType).toBe('application/json');
  });

  test('a Request whose body was read already cannot be sent again', async () => {
    const request = new Request(URL_, { method: 'POST', body: 'x' });
    await request.text();
    expect(replayableBody(request, undefined)).toEqual({ kind: 'unreplayable', reason: expect.stringContaining('read already') });
  });

  test("a Request without a body has none; init's body takes the place of a Request's", async () => {
    expect(replayableBody(new Request(URL_), undefined)).toEqual({ kind: 'none' });
    const request = new Request(URL_, { method: 'POST', body: 'old' });
    expect(text((await bodyBytes(replayableBody(request, { body: 'new' })))!.bytes)).toBe('new');
  });
});
