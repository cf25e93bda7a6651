// Threat: the demos sign access tokens with a public development secret and ship their users' passwords, so a demo listening on every interface lets anyone on the network forge an admin token; by default they must listen on loopback only.
// No traffic leaves loopback here: whether a demo's sockets cover another address of this machine
// is told by binding that address on the same port (refused with EADDRINUSE when they cover it).
import type { Server } from 'node:http';
import net from 'node:net';
import os from 'node:os';
import { addressOf, demoHosts, isLoopback, LOOPBACK_HOSTS, listenForDemo, portOf, startServers } from '@mfakit/example-shared';

/** The non-loopback addresses of this machine's interfaces, scoped where IPv6 needs it (link-local). */
const external = Object.entries(os.networkInterfaces()).flatMap(([name, addresses]) =>
  (addresses ?? []).filter((a) => !a.internal).map((a) => (a.family === 'IPv6' && a.scopeid ? `${a.address}%${name}` : a.address)),
);
const hasIPv6Loopback = Object.values(os.networkInterfaces()).some((addresses) => (addresses ?? []).some((a) => a.address === '::1'));
// RFC 3849's documentation prefix: no machine has it, so binding it fails as ::1 does where IPv6 is off.
const ABSENT_IPV6 = '2001:db8::1';

const close = (servers: Server[]) => Promise.all(servers.map((server) => new Promise((resolve) => server.close(resolve))));
const bound = (servers: Server[]) => servers.map((server) => (server.address() as net.AddressInfo).address);

/** Binds `address:port` and lets it go at once: undefined when free, else the error code. */
function bindCode(address: string, port: number): Promise<string | undefined> {
  return new Promise((resolve) => {
    const probe = net.createServer();
    probe.once('error', (err: NodeJS.ErrnoException) => resolve(err.code));
    probe.listen(port, address, () => probe.close(() => resolve(undefined)));
  });
}

describe('without HOST, the demo listens on the loopback addresses only', () => {
  let servers: Server[];
  const warnings: string[] = [];

  beforeAll(async () => {
    servers = await listenForDemo(0, undefined, (m) => warnings.push(m));
  });
  afterAll(() => close(servers));

  test('on 127.0.0.1 and, where the machine has it, ::1, both on one port, without a warning', () => {
    expect(bound(servers)).toEqual(hasIPv6Loopback ? ['127.0.0.1', '::1'] : ['127.0.0.1']);
    expect(bound(servers).every(isLoopback)).toBe(true);
    expect(new Set(servers.map(portOf)).size).toBe(1);
    expect(servers.map(addressOf)).toEqual(bound(servers).map((a) => (a.includes(':') ? `[${a}]:${portOf(servers[0]!)}` : `${a}:${portOf(servers[0]!)}`)));
    expect(warnings).toEqual([]);
  });

  test(`no other address of this machine is covered by its sockets: each is free to bind on the same port (${external.length} found)`, async () => {
    const port = portOf(servers[0]!);
    const codes = await Promise.all(external.map(async (address) => [address, await bindCode(address, port)]));
    expect(codes).toEqual(external.map((address) => [address, undefined]));
  });

  test('the probe tells: a server on every interface (the old default) makes every address of the machine refuse the bind', async () => {
    const everywhere = await startServers(null, 0, ['0.0.0.0']);
    try {
      const port = portOf(everywhere[0]!);
      const ipv4 = external.filter((address) => net.isIPv4(address));
      expect(await Promise.all(ipv4.map((address) => bindCode(address, port)))).toEqual(ipv4.map(() => 'EADDRINUSE'));
      expect(await bindCode('127.0.0.1', port)).toBe('EADDRINUSE');
    } finally {
      await close(everywhere);
    }
  });
});

describe('HOST names the one address to listen on', () => {
  test.each([undefined, '', '   '])('HOST %j: both loopback addresses, no warning', (host) => {
    expect(demoHosts(host)).toEqual({ hosts: [...LOOPBACK_HOSTS] });
    expect(LOOPBACK_HOSTS).toEqual(['127.0.0.1', '::1']);
  });

  test.each([
    ['127.0.0.1', '127.0.0.1'],
    ['::1', '::1'],
    ['[::1]', '::1'],
    ['localhost', 'localhost'],
    ['127.0.0.2', '127.0.0.2'],
  ])('HOST=%s: that loopback address alone, no warning', (host, listened) => {
    expect(demoHosts(host)).toEqual({ hosts: [listened] });
  });

  test.each(['0.0.0.0', '::', '192.0.2.10', 'fd00::2', 'demo.example.com'])('HOST=%s: that address alone, with a warning that the tokens are public', (host) => {
    const { hosts, warning } = demoHosts(host);
    expect(hosts).toEqual([host]);
    expect(warning).toContain(`HOST=${host}`);
    expect(warning).toMatch(/tokens are public/);
    expect(warning).toMatch(/admin/);
  });

  test('HOST=127.0.0.1 starts one server, on it alone', async () => {
    const warnings: string[] = [];
    const servers = await listenForDemo(0, '127.0.0.1', (m) => warnings.push(m));
    try {
      expect(bound(servers)).toEqual(['127.0.0.1']);
      expect(warnings).toEqual([]);
    } finally {
      await close(servers);
    }
  });

  test('a HOST this machine lacks is an error at start-up, not a silent fallback', async () => {
    await expect(listenForDemo(0, ABSENT_IPV6, () => {})).rejects.toMatchObject({ code: expect.stringMatching(/^(EADDRNOTAVAIL|EAFNOSUPPORT)$/) });
  });
});

describe('a machine without one of the loopback addresses', () => {
  test('a later host that the machine lacks (as ::1 where IPv6 is off) is left out: 127.0.0.1 alone, no crash', async () => {
    const servers = await startServers(null, 0, ['127.0.0.1', ABSENT_IPV6]);
    try {
      expect(bound(servers)).toEqual(['127.0.0.1']);
    } finally {
      await close(servers);
    }
  });

  test('a port taken on one of the addresses is an error, not half a demo', async () => {
    const taken = await startServers(null, 0, ['127.0.0.1']);
    const port = portOf(taken[0]!);
    try {
      // 127.0.0.2 is loopback too (127.0.0.0/8 on Linux): it gets the port, then 127.0.0.1 refuses it.
      await expect(startServers(null, port, ['127.0.0.2', '127.0.0.1'])).rejects.toMatchObject({ code: 'EADDRINUSE' });
      expect(await bindCode('127.0.0.2', port)).toBeUndefined(); // the server it had started was closed again
    } finally {
      await close(taken);
    }
  });
});
