/**
 * What the proxy does with the keys an operator leaves out (issue 3, "Fronting" and "Direct mode"):
 * fronting goes to the secret's domain (port 443 unless `fronting.port` is given); with no domain to front
 * to, a failed client is held and read until it leaves or goes idle, never answered or closed early; the
 * randomised handshake deadline; `prefer_ipv6` reaching the live DC table, and following a reload.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomBytes } from 'node:crypto';
import { formatSecret, generateSecret } from '../../src/protocol/secrets.js';
import { handshakeDeadline } from '../../src/proxy/connection-timing.js';
import { SITE_BANNER, startFrontingSite, type FrontingSite } from '../helpers/fronting-site.js';
import { connectTo, readAtLeast, readUntilClose } from '../helpers/net.js';
import { startTestProxy, testConfig, type TestProxy } from '../helpers/proxy.js';
import { sendHello } from '../helpers/raw-client.js';
import { publicOnlyLookup } from '../../src/proxy/fronting-target.js';

const ipDomainSecret = generateSecret('ee', '127.0.0.1');
const orgSecret = generateSecret('ee', 'example.org');
const netSecret = generateSecret('ee', 'example.net');
const ddSecret = generateSecret('dd');

let site: FrontingSite;
const proxies: TestProxy[] = [];

beforeAll(async () => {
  site = await startFrontingSite();
});

afterAll(async () => {
  for (const p of proxies) await p.stop();
  await site?.close();
});

async function proxyWith(input: Record<string, unknown>): Promise<TestProxy> {
  const p = await startTestProxy(input);
  proxies.push(p);
  return p;
}

describe('fronting without [fronting] host', () => {
  it("a failed client is spliced to the secret's domain on the configured port", async () => {
    const proxy = await proxyWith({ users: { a: { secret: formatSecret(ipDomainSecret) } }, fronting: { port: site.port, allow_private: true } });
    const { socket, wire } = await sendHello(proxy.port, ipDomainSecret.key, 'other.example.org');
    const banner = await readAtLeast(socket, SITE_BANNER.length);
    expect(banner.equals(SITE_BANNER)).toBe(true);
    await site.waitForExactly(wire);
    const port = socket.localPort!;
    socket.destroy();
    const fronted = await proxy.waitFor('connection.fronted', (e) => e.remotePort === port);
    expect(fronted).toMatchObject({ reason: 'bad_sni', target: `127.0.0.1:${site.port}` });
  });

  it('picks the domain the client asked for when a user has it, else the first; port 443 by default', async () => {
    const proxy = await proxyWith({ users: { org: { secret: formatSecret(orgSecret) }, net: { secret: formatSecret(netSecret) } } });
    const server = proxy.service.server;
    expect(server.frontingTarget('example.net')).toEqual({ host: 'example.net', port: 443, lookup: publicOnlyLookup });
    expect(server.frontingTarget('example.org')).toEqual({ host: 'example.org', port: 443, lookup: publicOnlyLookup });
    // An SNI no user has is not dialled (the proxy must not become an open relay to any host).
    expect(server.frontingTarget('attacker.example')).toEqual({ host: 'example.org', port: 443, lookup: publicOnlyLookup });
    expect(server.frontingTarget(undefined)).toEqual({ host: 'example.org', port: 443, lookup: publicOnlyLookup });
  });

  it('a configured host wins over every domain', async () => {
    const proxy = await proxyWith({ users: { org: { secret: formatSecret(orgSecret) } }, fronting: { host: 'www.example.com' } });
    expect(proxy.service.server.frontingTarget('example.org')).toEqual({ host: 'www.example.com', port: 443 });
  });
});

describe('no domain to front to (plain and dd users only)', () => {
  let proxy: TestProxy;
  beforeAll(async () => {
    proxy = await proxyWith({ users: { dd: { secret: formatSecret(ddSecret) } }, server: { idle_timeout: '1s' } });
    expect(proxy.service.server.frontingTarget('example.org')).toBeUndefined();
  });

  it('a wrong secret is read and discarded, never answered, and closed when the client leaves', async () => {
    const socket = await connectTo(proxy.port);
    socket.write(randomBytes(64));
    const port = socket.localPort!;
    await proxy.waitFor('handshake.failed', (e) => e.remotePort === port && e.reason === 'bad_secret');
    const early = await readUntilClose(socket, 400);
    expect(early).toEqual({ data: Buffer.alloc(0), closed: false }); // no tell-tale close or bytes
    socket.write(randomBytes(4096)); // still read
    const ended = readUntilClose(socket, 5_000);
    socket.end();
    expect(await ended).toEqual({ data: Buffer.alloc(0), closed: true });
    const closed = await proxy.waitFor('connection.closed', (e) => e.remotePort === port);
    expect(closed.reason).toBe('client_closed');
    expect(closed.toClient).toBe(0);
  });

  it('a silent one is closed at the idle timeout, with nothing sent', async () => {
    const socket = await connectTo(proxy.port);
    socket.write(randomBytes(64));
    const port = socket.localPort!;
    const result = await readUntilClose(socket, 6_000);
    expect(result).toEqual({ data: Buffer.alloc(0), closed: true });
    const closed = await proxy.waitFor('connection.closed', (e) => e.remotePort === port);
    expect(closed.reason).toBe('idle');
    expect(closed.durationMs).toBeGreaterThanOrEqual(1000);
  });
});

describe('handshake deadline', () => {
  it('is spread over 0.75x-1.25x of the timeout, per connection', () => {
    expect(handshakeDeadline(1000, 2000, () => 0)).toBe(2500);
    expect(handshakeDeadline(1000, 2000, () => 0.5)).toBe(3000);
    expect(handshakeDeadline(1000, 2000, () => 0.999999)).toBe(3500);
    const spread = new Set(Array.from({ length: 50 }, () => handshakeDeadline(0, 2000)));
    expect(spread.size).toBeGreaterThan(10);
    for (const d of spread) expect(d >= 1500 && d <= 2500).toBe(true);
  });
});

describe('prefer_ipv6', () => {
  it('orders the live built-in table, and a reload changes it for new connections', async () => {
    const proxy = await proxyWith({ users: { dd: { secret: formatSecret(ddSecret) } }, server: { prefer_ipv6: true } });
    const families = () => proxy.service.server.dcTable().resolve(2).addresses.map((a) => a.family);
    expect(families()).toEqual([6, 4]);
    const next = { users: { dd: { secret: formatSecret(ddSecret) } }, server: { prefer_ipv6: false }, log: { level: 'silent' } };
    proxy.service.server.reload(testConfig(next, proxy.stateDir));
    expect(families()).toEqual([4, 6]);
  });
});
