import http from 'node:http';

/** A demo instance as the load generator reaches it. */
export interface Target {
  /** 'express' or 'koa': named in a wrong decision's report. */
  name: string;
  port: number;
}

/** An answer, and when its request left and the answer arrived (ms since the epoch, the clock the instances use). */
export interface Answer {
  status: number;
  /** The parsed JSON body; {} for none. */
  body: Record<string, unknown>;
  sentAt: number;
  receivedAt: number;
  /** How long the request took, ms, by the monotonic clock. */
  ms: number;
}

/** A request: the user's credentials go in the headers the demos read. */
export interface Call {
  method: 'GET' | 'POST' | 'DELETE';
  path: string;
  /** The access token, as `Authorization: Bearer`. */
  token?: string;
  /** The MFA session, as `X-Session-Token`. */
  session?: string;
  /** A step-up grant, as `X-MFA-Grant`. */
  grant?: string;
  /** A JSON body, as the exact text sent (a grant may be bound to its bytes). */
  body?: string;
}

// Generous: on a machine shared with other work an answer can take seconds; one that takes this
// long is a failure whatever the load.
const TIMEOUT_MS = 30_000;
const IDLE_MS = 4_000;

/**
 * The HTTP client of one simulated user: one keep-alive connection per instance, from the user's
 * own loopback address (127.0.0.0/8 is all loopback on Linux), so that each user is one client
 * address to the demos' per-address limits, as people behind their own connections are.
 */
export class UserClient {
  // An idle connection is let go after 4 s, before the demos' servers close it (Node's
  // keepAliveTimeout, 5 s): a request written just as the server closes fails with ECONNRESET.
  private readonly agent = new http.Agent({ keepAlive: true, maxSockets: 1, timeout: IDLE_MS });

  constructor(private readonly localAddress: string) {}

  /** Sends one request; rejects on a network error or after 30 s without an answer. */
  send(target: Target, call: Call): Promise<Answer> {
    const headers: Record<string, string> = {};
    if (call.token) headers.authorization = `Bearer ${call.token}`;
    if (call.session) headers['x-session-token'] = call.session;
    if (call.grant) headers['x-mfa-grant'] = call.grant;
    if (call.body !== undefined) {
      headers['content-type'] = 'application/json';
      headers['content-length'] = String(Buffer.byteLength(call.body));
    }
    const sentAt = Date.now();
    const started = performance.now();
    return new Promise<Answer>((resolve, reject) => {
      const request = http.request(
        { host: '127.0.0.1', port: target.port, method: call.method, path: call.path, headers, agent: this.agent, localAddress: this.localAddress, timeout: TIMEOUT_MS },
        (response) => {
          let text = '';
          response.setEncoding('utf8');
          response.on('data', (chunk: string) => (text += chunk));
          response.on('error', reject);
          response.on('end', () => {
            const ms = performance.now() - started;
            let body: Record<string, unknown> = {};
            try {
              body = text ? (JSON.parse(text) as Record<string, unknown>) : {};
            } catch {
              body = { unparsed: text.slice(0, 200) };
            }
            resolve({ status: response.statusCode ?? 0, body, sentAt, receivedAt: Date.now(), ms });
          });
        },
      );
      request.on('timeout', () => request.destroy(new Error(`no answer within ${TIMEOUT_MS / 1000} s`)));
      request.on('error', reject);
      request.end(call.body);
    });
  }

  /** Closes the user's connections. */
  close(): void {
    this.agent.destroy();
  }
}

/** The loopback address of the `index`-th simulated user: 127.77.0.1, 127.77.0.2, ... (250 per /24). */
export function userAddress(index: number): string {
  return `127.77.${Math.floor(index / 250)}.${(index % 250) + 1}`;
}
