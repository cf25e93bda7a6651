// Threat: a path that the gateway judges as one thing and forwards as another (path confusion), or
// that slips past a rule by its spelling. Property-based (fast-check), with the adapter suite's
// generator of request targets (`fuzzedTarget`: dot segments in every spelling, encoded slashes,
// `;`, NUL, overlong UTF-8, look-alikes, case, doubled slashes): a path is either refused, or
// normalized to a fixed point whose every equivalent spelling gets the same rule decision; and
// through the standalone gateway the request is refused, answered as its rule says, or forwarded
// with exactly the path the rules matched. A failure prints the seed and the shrunk path.
import { fuzzedTarget, sendRaw } from '@mfakit/testing';
import fc from 'fast-check';
import { parseConfig } from '../src';
import { normalizePath } from '../src/paths';
import { compileRules, type MatchedRule } from '../src/rules';
import { gatewayYaml, startGateway, startUpstream, type TestGateway } from './helpers';
import { prepareScenarios, type ScenarioContext } from './scenarios';

/** The paths of the test configuration's rules, and the gateway's own, to spell in every way. */
const TEMPLATES = [
  '/healthz',
  '/public/css/site.css',
  '/public/:file',
  '/admin/users/:id',
  '/api/transfers',
  '/api/catalog/items/:id',
  '/api/orders/:id',
  '/api/orders/:id/lines',
  '/mfa/verify',
  '/authz/check',
  '/',
];

/** Any string at all, for the normalizer alone: what a caller might hand it. */
const ANY_PATH = fc.oneof(
  fuzzedTarget(TEMPLATES),
  fc.string({ unit: 'binary', maxLength: 40 }).map((text) => `/${text}`),
  fc.string({ unit: 'grapheme-ascii', maxLength: 40 }),
);

const pathOf = (target: string) => target.split('?', 1)[0]!;
const RULES = parseConfig(gatewayYaml('http://127.0.0.1:1'), '/tmp/paths.fuzz.yaml', {});
const match = compileRules(RULES.rules, RULES.defaultPolicy);
const decision = (path: string, method = 'GET'): MatchedRule => match({ method, path, host: '127.0.0.1' }, { id: 'alice', roles: [] });

describe('normalizePath and the rules, any path', () => {
  test('a path is refused, or normalized to a fixed point in normal form', () => {
    fc.assert(
      fc.property(ANY_PATH, (raw) => {
        const once = normalizePath(raw);
        if (!once.ok) return;
        expect(normalizePath(once.path)).toEqual(once);
        expect(once.path).toMatch(/^\/(?:[!-~]*)$/); // printable ASCII only
        expect(once.path).not.toMatch(/\/\/|(?:^|\/)\.\.?(?:\/|$)|%(?![0-9A-F]{2})|%2F|%25|%5C|[\\;?#]/);
        const refusing = normalizePath(raw, { dotSegments: 'refuse' });
        if (refusing.ok) expect(refusing).toEqual(once);
      }),
      { numRuns: 3000 },
    );
  });

  test('every spelling of a path that normalizes gets the same rule decision', () => {
    const respelled = fc.tuple(fuzzedTarget(TEMPLATES).map(pathOf), fc.constantFrom(...RESPELLINGS), fc.nat(), fc.constantFrom('GET', 'POST', 'HEAD', 'DELETE'));
    fc.assert(
      fc.property(respelled, ([raw, respell, at, method]) => {
        const original = normalizePath(raw);
        const other = normalizePath(respell(raw, at));
        if (!original.ok || !other.ok) return;
        expect(decision(other.path, method)).toBe(decision(original.path, method));
      }),
      { numRuns: 3000 },
    );
  });
});

/**
 * Ways to spell a path that the gateway promises to read alike (see `normalizePath` and
 * `compileGlob`): an unreserved character percent-encoded, a `.` segment or a `x/..` pair inserted
 * at a slash, a slash doubled, ASCII case swapped, a trailing slash added or dropped.
 */
const RESPELLINGS: ((path: string, at: number) => string)[] = [
  (path, at) => {
    const spots = [...path].flatMap((char, i) => (/[A-Za-z0-9._~-]/.test(char) ? [i] : []));
    if (spots.length === 0) return path;
    const i = spots[at % spots.length]!;
    return `${path.slice(0, i)}%${path.charCodeAt(i).toString(16).toUpperCase()}${path.slice(i + 1)}`;
  },
  (path, at) => atSlash(path, at, '/.'),
  (path, at) => atSlash(path, at, '/x/..'),
  (path, at) => atSlash(path, at, '/'),
  (path) => path.replace(/[A-Za-z]/g, (char) => (char === char.toLowerCase() ? char.toUpperCase() : char.toLowerCase())),
  (path) => (path.endsWith('/') ? path.slice(0, -1) || '/' : `${path}/`),
];

/** `insert` put in front of one of the path's slashes (chosen by `at`). */
function atSlash(path: string, at: number, insert: string): string {
  const slashes = [...path].flatMap((char, i) => (char === '/' ? [i] : []));
  if (slashes.length === 0) return path;
  const i = slashes[at % slashes.length]!;
  return `${path.slice(0, i)}${insert}${path.slice(i)}`;
}

describe('through the standalone gateway, any target', () => {
  let upstream: Awaited<ReturnType<typeof startUpstream>>;
  let gateway: TestGateway;
  let context: ScenarioContext;
  /** The request target of each request that reached the gateway (Node's parser read it), in order. */
  const received: string[] = [];

  beforeAll(async () => {
    upstream = await startUpstream();
    gateway = await startGateway(gatewayYaml(upstream.url));
    context = await prepareScenarios(gateway);
    gateway.gateway.app.server.prependListener('request', (request: { url?: string }) => {
      received.push(request.url ?? '');
    });
  });
  afterAll(async () => {
    await gateway?.close();
    await upstream?.close();
  });

  test('refused (4xx, nothing forwarded), answered as its rule says, or forwarded with exactly the path the rules matched', async () => {
    const identities: Record<'anonymous' | 'token' | 'session', [string, string][]> = {
      anonymous: [],
      token: [['Authorization', `Bearer ${context.daveToken}`]], // enrolled, no MFA session
      session: [
        ['Authorization', `Bearer ${context.aliceToken}`],
        ['X-Session-Token', context.freshSession],
      ],
    };
    const requests = fc.record({
      target: fuzzedTarget(TEMPLATES),
      method: fc.constantFrom('GET', 'HEAD', 'POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS'),
      identity: fc.constantFrom<keyof typeof identities>('anonymous', 'token', 'session'),
    });
    await fc.assert(
      fc.asyncProperty(requests, async ({ target, method, identity }) => {
        const [seenBefore, receivedBefore] = [upstream.seen.length, received.length];
        // The target goes on the wire as UTF-8, exactly as generated.
        const answer = await sendRaw(gateway.port, { method, target: Buffer.from(target, 'utf8').toString('latin1'), headers: identities[identity] });
        const forwarded = upstream.seen.slice(seenBefore);
        expect(answer.status).toBeLessThan(500);
        // What the gateway got, as Node's parser read the request line (it may cut a target at a space).
        const url = received[receivedBefore];
        const queryAt = url?.indexOf('?') ?? -1;
        const normalized = url === undefined ? null : normalizePath(queryAt === -1 ? url : url.slice(0, queryAt));
        if (!normalized?.ok) {
          // Refused by Node's parser or by the normalizer: a 4xx problem, nothing forwarded.
          expect({ status: answer.status >= 400 && answer.status < 500, forwarded }).toEqual({ status: true, forwarded: [] });
          return;
        }
        const path = normalized.path;
        const query = queryAt === -1 ? '' : url!.slice(queryAt);
        const own = /^\/(?:mfa|authz)(?:\/|$)/i.test(path);
        if (own) return expect(forwarded).toEqual([]);
        const expected = outcome(decision(path, method).policy, identity);
        if (expected === 'forward') {
          expect({ status: answer.status, forwarded: forwarded.map((seen) => `${seen.method} ${seen.url}`) }).toEqual({ status: 200, forwarded: [`${method} ${path}${query}`] });
        } else {
          const code = answer.status === 200 ? 'forwarded' : method === 'HEAD' ? expected.code : (JSON.parse(answer.body.toString()) as { code: string }).code;
          expect({ status: answer.status, code, forwarded }).toEqual({ ...expected, forwarded: [] });
        }
      }),
      { numRuns: 500 },
    );
  }, 60_000);
});

/** What the gateway must answer a request whose rule has `policy`, from this identity. */
function outcome(policy: MatchedRule['policy'], identity: 'anonymous' | 'token' | 'session'): 'forward' | { status: number; code: string } {
  if (policy === 'deny') return { status: 403, code: 'forbidden' };
  if (policy === 'bypass') return 'forward';
  if (identity === 'anonymous') return { status: 401, code: 'authentication_required' };
  if (policy === 'authenticated' || identity === 'session') return 'forward';
  return { status: 401, code: 'mfa_required' };
}
