/**
 * Attack: whoever can add a user (a read_write admin token) gives it a fake-TLS domain inside the proxy's
 * network (169.254.169.254, 127.0.0.1, 10.x, a name resolving to loopback) and then sends hellos with that SNI,
 * so the proxy splices them to an internal service. Without `[fronting] host`, such targets are refused unless
 * `[fronting] allow_private = true` (docs/security.md, "Fronting targets").
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomBytes } from 'node:crypto';
import { formatSecret, generateSecret } from '../../src/protocol/secrets.js';
import { startFrontingSite, SITE_BANNER, type FrontingSite } from '../helpers/fronting-site.js';
import { readAtLeast } from '../helpers/net.js';
import { startTestProxy, type TestProxy } from '../helpers/proxy.js';
import { sendHello } from '../helpers/raw-client.js';

let site: FrontingSite;
const proxies: TestProxy[] = [];

beforeAll(async () => {
  site = await startFrontingSite();
});
afterAll(async () => {
  for (const p of proxies) await p.stop();
  await site?.close();
});

async function proxyFor(domain: string, fronting: Record<string, unknown>): Promise<TestProxy> {
  const p = await startTestProxy({ users: { mallory: { secret: formatSecret(generateSecret('ee', domain)) } }, fronting: { port: site.port, ...fronting } });
  proxies.push(p);
  return p;
}

/** A hello with the internal domain as SNI and no user's HMAC; resolves with what reached the site. */
async function probe(p: TestProxy, domain: string): Promise<number> {
  const before = site.connections.length;
  const { socket } = await sendHello(p.port, randomBytes(16), domain);
  socket.on('error', () => {});
  await p.waitFor('handshake.failed');
  await new Promise((resolve) => setTimeout(resolve, 300)); // time for a splice to reach the site, if one were made
  socket.destroy();
  return site.connections.length - before;
}

describe('attack: a secret whose domain points inside the network', () => {
  it('an attacker whose secret has the domain 169.254.169.254 cannot make the proxy dial the metadata service', async () => {
    const p = await proxyFor('169.254.169.254', {});
    expect(p.service.server.frontingTarget('169.254.169.254')).toBeUndefined();
    for (const inside of ['127.0.0.1', '10.1.2.3', '192.168.0.1', '100.64.0.1', '::1', 'fe80::1', 'fd00::1', '::ffff:127.0.0.1']) {
      const q = await proxyFor(inside, {});
      expect(q.service.server.frontingTarget(inside), inside).toBeUndefined();
    }
  });

  it('an attacker whose secret has the domain 127.0.0.1 cannot reach a service on the proxy host', async () => {
    const p = await proxyFor('127.0.0.1', {});
    expect(await probe(p, '127.0.0.1')).toBe(0);
  });

  it('an attacker whose secret names a host that resolves to loopback cannot reach it either', async () => {
    const p = await proxyFor('localhost', {});
    expect(await probe(p, 'localhost')).toBe(0);
    expect(p.events.some((e) => e.name === 'connection.fronted')).toBe(false);
  });

  it('the operator can allow it explicitly ([fronting] allow_private = true)', async () => {
    const p = await proxyFor('127.0.0.1', { allow_private: true });
    const { socket } = await sendHello(p.port, randomBytes(16), '127.0.0.1');
    expect((await readAtLeast(socket, SITE_BANNER.length)).equals(SITE_BANNER)).toBe(true);
    socket.destroy();
  });
});
