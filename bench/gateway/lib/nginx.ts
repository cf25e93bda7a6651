import { spawn } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';

const NGINX = process.env.BENCH_NGINX ?? '/usr/sbin/nginx';
const START_TIMEOUT_MS = 10_000;
const STOP_TIMEOUT_MS = 5_000;
/** Idle keep-alive connections nginx keeps to each upstream (its `keepalive`): at least the load's connections. */
const UPSTREAM_KEEPALIVE = 64;
/**
 * Requests on one keep-alive connection before nginx closes it (its default is 1000): the load
 * generator and the gateway keep theirs open, and a reconnection every 1000 requests would be
 * nginx's cost alone.
 */
const KEEPALIVE_REQUESTS = 1_000_000;

/** nginx running from a temporary prefix, with the two servers of the benchmark. */
export interface RunningNginx {
  /** The master's pid. */
  pid: number;
  /** The master and its workers: whose CPU time is nginx's. */
  pids: number[];
  /** `http://127.0.0.1:<port>`: a reverse proxy to the upstream, no authentication. */
  plainUrl: string;
  /** `http://127.0.0.1:<port>`: the same with `auth_request` to the gateway's `/authz/auth-request`. */
  authUrl: string;
  /** `http://127.0.0.1:<port>`: the same with `auth_request` to the floor process (bench/gateway/floor.ts). */
  floorAuthUrl: string;
  /** What nginx wrote to its error log (warnings and worse). */
  errors(): string;
  /** Stops nginx (SIGTERM through its watchdog shell, SIGKILL after 5 s) and removes its folder. Safe to call twice. */
  stop(): Promise<void>;
}

/**
 * The configuration: one worker (the gateway is one Node process: the same share of the machine;
 * CPU per request does not depend on it), no access log, keep-alive to the client and to every
 * upstream (HTTP/1.1, `Connection: ""`), every path nginx writes under `dir`. The two auth servers
 * (one asking the gateway, one the floor process) send the original method and URL as the
 * gateway's tests do, passes the identity headers
 * the gateway answers to the upstream, and keeps the MFA session token from it, as a deployment
 * would.
 */
export function nginxConf(dir: string, ports: { plain: number; auth: number; floorAuth: number; upstream: number; gateway: number; floor: number }): string {
  const keepalive = 'proxy_http_version 1.1;\n      proxy_set_header Connection "";';
  const authServer = (listen: number, checker: string) => `  server {
    listen 127.0.0.1:${listen};
    location = /_mfakit_auth {
      internal;
      proxy_pass http://${checker}/authz/auth-request;
      proxy_pass_request_body off;
      proxy_set_header Content-Length "";
      proxy_set_header X-Original-Method $request_method;
      proxy_set_header X-Original-URL $scheme://$http_host$request_uri;
      ${keepalive}
    }
    location / {
      auth_request /_mfakit_auth;
      auth_request_set $mfa_user $upstream_http_x_mfa_user;
      auth_request_set $mfa_amr $upstream_http_x_mfa_amr;
      auth_request_set $mfa_auth_time $upstream_http_x_mfa_auth_time;
      proxy_set_header X-MFA-User $mfa_user;
      proxy_set_header X-MFA-AMR $mfa_amr;
      proxy_set_header X-MFA-Auth-Time $mfa_auth_time;
      proxy_set_header X-Session-Token "";
      proxy_pass http://api;
      ${keepalive}
    }
  }`;
  return `daemon off;
master_process on;
worker_processes 1;
pid ${dir}/nginx.pid;
error_log ${dir}/error.log warn;
events { worker_connections 1024; }
http {
  access_log off;
  client_body_temp_path ${dir}/client_body;
  proxy_temp_path ${dir}/proxy;
  fastcgi_temp_path ${dir}/fastcgi;
  uwsgi_temp_path ${dir}/uwsgi;
  scgi_temp_path ${dir}/scgi;
  keepalive_requests ${KEEPALIVE_REQUESTS};
  upstream api { server 127.0.0.1:${ports.upstream}; keepalive ${UPSTREAM_KEEPALIVE}; keepalive_requests ${KEEPALIVE_REQUESTS}; }
  upstream mfakit { server 127.0.0.1:${ports.gateway}; keepalive ${UPSTREAM_KEEPALIVE}; keepalive_requests ${KEEPALIVE_REQUESTS}; }
  upstream floor { server 127.0.0.1:${ports.floor}; keepalive ${UPSTREAM_KEEPALIVE}; keepalive_requests ${KEEPALIVE_REQUESTS}; }
  server {
    listen 127.0.0.1:${ports.plain};
    location / {
      proxy_pass http://api;
      ${keepalive}
    }
  }
${authServer(ports.auth, 'mfakit')}
${authServer(ports.floorAuth, 'floor')}
}
`;
}

/**
 * nginx runs under this shell, which outlives it: when the suite closes the shell's standard
 * input (to stop nginx, or because it died, even by SIGKILL) the shell stops nginx (SIGTERM, a
 * fast shutdown of master and workers) and removes the folder. It prints nginx's pid when it
 * starts it, and `exited <status>` if nginx exits. Asynchronous commands of a non-interactive
 * shell read /dev/null, hence the copy of standard input on fd 3.
 */
const WATCHDOG = `trap '' INT PIPE
dir=$1; shift
exec 3<&0
"$@" &
nginx=$!
echo "$nginx"
{ read -r _ <&3; kill -TERM "$nginx" 2>/dev/null; } &
wait "$nginx"
echo "exited $?"
wait
rm -rf "$dir"`;

/**
 * Starts nginx with {@link nginxConf} in a new temporary folder (`nginx -p DIR -c DIR/nginx.conf
 * -e DIR/error.log`, under {@link WATCHDOG}), waits until its three servers accept connections and
 * finds its workers. On any failure nginx is stopped, the folder removed, and the error names
 * what nginx logged.
 */
export async function startNginx(ports: { upstream: number; gateway: number; floor: number }): Promise<RunningNginx> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'mfakit-bench-nginx-'));
  chmodSync(dir, 0o755); // workers run as another user when the suite runs as root
  const [plain, auth, floorAuth] = [await freePort(), await freePort(), await freePort()] as [number, number, number];
  writeFileSync(path.join(dir, 'nginx.conf'), nginxConf(dir, { plain, auth, floorAuth, ...ports }));
  const args = ['-p', dir, '-c', path.join(dir, 'nginx.conf'), '-e', path.join(dir, 'error.log')];
  const shell = spawn('/bin/sh', ['-c', WATCHDOG, 'nginx-watchdog', dir, NGINX, ...args], { stdio: ['pipe', 'pipe', 'pipe'] });
  let stderr = '';
  shell.stderr.setEncoding('utf8').on('data', (chunk: string) => {
    stderr += chunk;
  });
  const shellExited = new Promise<void>((resolve) => {
    shell.once('exit', () => resolve());
    shell.once('error', () => resolve());
  });
  let master: number | undefined;
  let workers: number[] = [];
  let exited: string | undefined;
  const lines = createInterface({ input: shell.stdout });
  lines.on('line', (line) => {
    if (master === undefined && /^\d+$/.test(line)) master = Number(line);
    else if (line.startsWith('exited ')) exited = line.slice('exited '.length);
  });
  const errors = () => {
    const log = path.join(dir, 'error.log');
    return [stderr.trim(), existsSync(log) ? readFileSync(log, 'utf8').trim() : ''].filter(Boolean).join('\n');
  };
  let stopped = false;
  const stop = async () => {
    if (stopped) return;
    stopped = true;
    shell.stdin.end();
    const timer = setTimeout(() => {
      for (const pid of [master, ...workers]) if (pid !== undefined && isNginx(pid)) process.kill(pid, 'SIGKILL');
      shell.kill('SIGKILL');
    }, STOP_TIMEOUT_MS);
    await shellExited;
    clearTimeout(timer);
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    const deadline = Date.now() + START_TIMEOUT_MS;
    for (const port of [plain, auth, floorAuth]) {
      while (!(await accepts(port))) {
        if (exited !== undefined) throw new Error(`nginx (${NGINX}) exited (status ${exited}) before it was ready`);
        if (shell.exitCode !== null || shell.signalCode !== null) throw new Error('the shell that runs nginx exited');
        if (Date.now() > deadline) throw new Error(`nginx did not listen on 127.0.0.1:${port} within ${START_TIMEOUT_MS / 1000} s`);
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    }
    if (master === undefined) throw new Error('the shell that runs nginx did not say its pid');
    workers = childrenOf(master);
    if (workers.length === 0) throw new Error('nginx listens but has no worker process');
  } catch (err) {
    const logged = errors();
    await stop();
    throw new Error(`${(err as Error).message}${logged ? `; nginx said:\n${logged}` : ''}`);
  }
  return { pid: master, pids: [master, ...workers], plainUrl: `http://127.0.0.1:${plain}`, authUrl: `http://127.0.0.1:${auth}`, floorAuthUrl: `http://127.0.0.1:${floorAuth}`, errors, stop };
}

/** A port nothing listens on now (the kernel's pick; free again the moment it is closed). */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

/** The pids whose parent is `pid`, from /proc. */
function childrenOf(pid: number): number[] {
  const children: number[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
      // After the command name (which may hold spaces): state, then the parent's pid.
      if (Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]) === pid) children.push(Number(name));
    } catch {
      // gone meanwhile
    }
  }
  return children;
}

/** Whether `pid` is (still) an nginx process, not a later process that took its number. */
function isNginx(pid: number): boolean {
  try {
    return readFileSync(`/proc/${pid}/stat`, 'utf8').includes(' (nginx) ');
  } catch {
    return false;
  }
}
