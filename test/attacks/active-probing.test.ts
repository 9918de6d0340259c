/**
 * Clients that fail the handshake: each is spliced byte-exact to the fronting site (or closed, once the
 * proxy has answered as a proxy), with the right events — while an honest client keeps being served.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomBytes } from 'node:crypto';
import { buildClientHello } from '../../src/protocol/faketls.js';
import { buildClientHeader } from '../../src/protocol/obfuscated2.js';
import { formatSecret, generateSecret } from '../../src/protocol/secrets.js';
import { mtcuteClient, type FrameClient } from '../helpers/clients.js';
import { startFakeDc, type FakeDc } from '../helpers/fake-dc.js';
import { SITE_BANNER, startFrontingSite, type FrontingSite } from '../helpers/fronting-site.js';
import { connectTo, readAtLeast, readUntilClose } from '../helpers/net.js';
import { startTestProxy, type TestProxy } from '../helpers/proxy.js';
import { fakeTlsClient, obfuscatedClient, sendHello } from '../helpers/raw-client.js';

const DOMAIN = 'example.com';
const eeSecret = generateSecret('ee', DOMAIN);
const ddSecret = generateSecret('dd');

let dc: FakeDc;
let site: FrontingSite;
let proxy: TestProxy;
let honest: FrameClient;

beforeAll(async () => {
  dc = await startFakeDc();
  site = await startFrontingSite();
  proxy = await startTestProxy({
    users: { tls: { secret: formatSecret(eeSecret) }, dd: { secret: formatSecret(ddSecret) } },
    upstream: { dc: { '2': [`127.0.0.1:${dc.port}`] } },
    fronting: { host: '127.0.0.1', port: site.port },
    server: { handshake_timeout: '2s' },
  });
  honest = await mtcuteClient(proxy.port, formatSecret(eeSecret));
});

afterAll(async () => {
  await honest?.close();
  await proxy?.stop();
  await site?.close();
  await dc?.close();
});

/** The honest client still gets answers. */
async function honestStillServed(): Promise<void> {
  const payload = new Uint8Array(1024).fill(7);
  await honest.send(payload);
  const got = await honest.receive();
  expect(Buffer.from(got.subarray(0, 1024)).equals(Buffer.from(payload))).toBe(true);
}

/** The site got exactly `sent`, and the client got the site's banner. */
async function expectFronted(socket: import('node:net').Socket, sent: Uint8Array): Promise<number> {
  const banner = await readAtLeast(socket, SITE_BANNER.length);
  expect(banner.equals(SITE_BANNER)).toBe(true);
  await site.waitForExactly(sent);
  const port = socket.localPort!;
  socket.destroy();
  return port;
}

function failedWith(reason: string, port: number) {
  return proxy.waitFor('handshake.failed', (e) => e.reason === reason && e.remotePort === port);
}

function frontedWith(reason: string, port: number) {
  return proxy.waitFor('connection.fronted', (e) => e.reason === reason && e.remotePort === port);
}

describe('fake TLS hellos', () => {
  it('a hello split across segments and handshake fragments is accepted', async () => {
    const client = await fakeTlsClient(proxy.port, eeSecret.key, DOMAIN, { cuts: [1, 3, 7, 100, 900], fragment: 700 });
    client.send(new Uint8Array(4096).fill(3));
    const got = await client.receive();
    expect(got.length).toBe(4096);
    client.socket.destroy();
  });

  it('a wrong secret (bad HMAC) is fronted byte-exact', async () => {
    const { socket, wire } = await sendHello(proxy.port, randomBytes(16), DOMAIN, { cuts: [200] });
    const port = await expectFronted(socket, wire);
    await frontedWith('bad_hmac', port);
    await honestStillServed();
  });

  it('a stale timestamp is fronted', async () => {
    const { socket, wire } = await sendHello(proxy.port, eeSecret.key, DOMAIN, { nowMs: Date.now() - 3600_000 });
    const port = await expectFronted(socket, wire);
    await failedWith('stale_time', port);
    await frontedWith('stale_time', port);
  });

  it('a wrong SNI is fronted', async () => {
    const { socket, wire } = await sendHello(proxy.port, eeSecret.key, 'other.example.org');
    const port = await expectFronted(socket, wire);
    await frontedWith('bad_sni', port);
  });

  it('a replayed hello is fronted with a replay event', async () => {
    const hello = buildClientHello(eeSecret.key, DOMAIN, Date.now());
    const first = await sendHello(proxy.port, eeSecret.key, DOMAIN, { hello });
    await readAtLeast(first.socket, 5); // the proxy answered the original
    first.socket.destroy();
    const again = await sendHello(proxy.port, eeSecret.key, DOMAIN, { hello });
    const port = await expectFronted(again.socket, again.wire);
    await proxy.waitFor('replay.detected', (e) => e.kind === 'tls' && e.remotePort === port);
    await frontedWith('replay', port);
    await honestStillServed();
  });

  it('a truncated hello followed by FIN is fronted with the FIN passed on', async () => {
    const hello = buildClientHello(eeSecret.key, DOMAIN, Date.now());
    const socket = await connectTo(proxy.port);
    const port = socket.localPort!;
    const part = hello.record.subarray(0, 300);
    socket.end(part);
    const { data } = await readUntilClose(socket);
    expect(data.equals(SITE_BANNER)).toBe(true);
    const record = await site.waitForExactly(part);
    expect(record.ended).toBe(true);
    await failedWith('truncated', port);
  });

  it('an oversized hello is fronted', async () => {
    const socket = await connectTo(proxy.port);
    // handshake record header, then a ClientHello header announcing 60 000 bytes
    const wire = Uint8Array.of(0x16, 0x03, 0x01, 0x00, 0x08, 0x01, 0x00, 0xea, 0x60, 0x03, 0x03, 0x00, 0x00);
    socket.write(wire);
    const port = await expectFronted(socket, wire);
    await frontedWith('oversized', port);
  });

  it('an oversized record after the handshake closes the connection', async () => {
    const client = await fakeTlsClient(proxy.port, eeSecret.key, DOMAIN);
    client.send(new Uint8Array(16).fill(1));
    await client.receive();
    const port = client.socket.localPort!;
    client.socket.write(Uint8Array.of(0x17, 0x03, 0x03, 0x4e, 0x20)); // a 20 000-byte record
    const { closed } = await readUntilClose(client.socket);
    expect(closed).toBe(true);
    await proxy.waitFor('connection.closed', (e) => e.remotePort === port && e.reason === 'oversized');
    await honestStillServed();
  });
});

describe('obfuscated2 clients', () => {
  it('a wrong secret is fronted byte-exact (header and what followed)', async () => {
    const header = buildClientHeader(randomBytes(16), 'padded', 2);
    const sent = Buffer.concat([header.header, randomBytes(44)]);
    const socket = await connectTo(proxy.port);
    socket.write(sent.subarray(0, 30));
    socket.write(sent.subarray(30));
    const port = await expectFronted(socket, sent);
    await frontedWith('bad_secret', port);
  });

  it('a replayed header is fronted with a replay event', async () => {
    const header = buildClientHeader(ddSecret.key, 'padded', 2);
    const first = await obfuscatedClient(proxy.port, ddSecret.key, { header });
    first.send(new Uint8Array(8).fill(1));
    await first.receive();
    first.socket.destroy();
    const again = await connectTo(proxy.port);
    again.write(header.header);
    const port = await expectFronted(again, header.header);
    await proxy.waitFor('replay.detected', (e) => e.kind === 'obfuscated2' && e.remotePort === port);
  });

  it('HTTP garbage is fronted at once, without waiting for 64 bytes', async () => {
    const socket = await connectTo(proxy.port);
    const request = Buffer.from('GET / HTTP/1.1\r\nHost: example.com\r\n\r\n');
    socket.write(request);
    const port = await expectFronted(socket, request);
    await frontedWith('protocol', port);
  });

  it('a silent or short client is fronted at the (randomised) deadline', async () => {
    const socket = await connectTo(proxy.port);
    socket.write(Buffer.from([1, 2, 3]));
    const port = await expectFronted(socket, Buffer.from([1, 2, 3]));
    const failed = await failedWith('timeout', port);
    // 2 s randomised to 1.5-2.5 s, checked by the once-a-second sweep (defaults.test.ts checks the spread).
    expect(failed.durationMs).toBeGreaterThanOrEqual(1400);
    expect(failed.durationMs).toBeLessThanOrEqual(4000);
    await honestStillServed();
  });
});

describe('a key works only on the transport its secret gives out', () => {
  it("an ee user's key in a plain obfuscated2 header is fronted as a wrong secret", async () => {
    const header = buildClientHeader(eeSecret.key, 'padded', 2);
    const socket = await connectTo(proxy.port);
    socket.write(header.header);
    const port = await expectFronted(socket, header.header);
    await failedWith('bad_secret', port);
    expect(proxy.events.some((e) => e.name === 'handshake.ok' && e.data.remotePort === port)).toBe(false);
  });

  it("a dd user's key in a fake-TLS hello is fronted as a bad HMAC", async () => {
    const { socket, wire } = await sendHello(proxy.port, ddSecret.key, DOMAIN);
    const port = await expectFronted(socket, wire);
    await failedWith('bad_hmac', port);
    await honestStillServed();
  });
});

describe('only fake TLS allowed', () => {
  it('non-TLS bytes are fronted as not_tls immediately', async () => {
    const tlsOnly = await startTestProxy({
      users: { tls: { secret: formatSecret(eeSecret) } },
      fronting: { host: '127.0.0.1', port: site.port },
      server: { allow_modes: ['ee'] },
    });
    try {
      const header = buildClientHeader(eeSecret.key, 'padded', 2);
      const socket = await connectTo(tlsOnly.port);
      socket.write(header.header);
      const port = await expectFronted(socket, header.header);
      await tlsOnly.waitFor('connection.fronted', (e) => e.reason === 'not_tls' && e.remotePort === port);
    } finally {
      await tlsOnly.stop();
    }
  });
});
