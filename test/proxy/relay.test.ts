/**
 * The relay and the listeners: fast mode, IPv4 + IPv6 listeners, half-close, backpressure against a client
 * or a DC that does not read, large frames through borrowed client reads, the security seams (gate and shaper) being called, live expiry, byte events.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { formatSecret, generateSecret } from '../../src/protocol/secrets.js';
import type { ConnectionGate } from '../../src/proxy/hooks.js';
import { mtcuteClient } from '../helpers/clients.js';
import { startFakeDc, type FakeDc } from '../helpers/fake-dc.js';
import { startFrontingSite, SITE_BANNER } from '../helpers/fronting-site.js';
import { connectTo, readAtLeast, readUntilClose } from '../helpers/net.js';
import { startTestProxy, type TestProxy } from '../helpers/proxy.js';
import { fakeTlsClient, obfuscatedClient } from '../helpers/raw-client.js';

const ee = generateSecret('ee', 'example.com');
const dd = generateSecret('dd');
const plain = generateSecret('plain');
const cleanups: (() => Promise<void> | void)[] = [];

afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function setup(extra: Record<string, any> = {}, dcMode?: { send: number }, options = {}): Promise<{ dc: FakeDc; proxy: TestProxy }> {
  const dc = await startFakeDc({ mode: dcMode });
  cleanups.push(() => dc.close());
  const proxy = await startTestProxy(
    {
      users: { e: { secret: formatSecret(ee) }, d: { secret: formatSecret(dd) }, p: { secret: formatSecret(plain) }, ...(extra.users ?? {}) },
      upstream: { dc: { '2': [`127.0.0.1:${dc.port}`] } },
      ...extra,
      server: { ...(extra.server ?? {}) },
    },
    options,
  );
  cleanups.push(() => proxy.stop());
  return { dc, proxy };
}

describe('relay', () => {
  it('fast mode relays for plain and ee clients (DC→client bytes pass without AES)', async () => {
    const { proxy } = await setup({ server: { fast_mode: true } });
    for (const secret of [plain, ee]) {
      const client = await mtcuteClient(proxy.port, formatSecret(secret));
      const sent = new Uint8Array(40_000).map((_, i) => i & 0xff);
      await client.send(sent);
      const got = await client.receive();
      expect(Buffer.from(got.subarray(0, sent.length)).equals(Buffer.from(sent))).toBe(true);
      await client.close();
    }
  });

  it('fake TLS: large answers reach the client in records of at most 16 384 bytes', async () => {
    const { proxy } = await setup();
    const client = await fakeTlsClient(proxy.port, ee.key, 'example.com');
    const sent = new Uint8Array(70_000).map((_, i) => (i * 7) & 0xff);
    client.send(sent); // the raw client's record reader refuses records above 16 384 bytes
    expect(Buffer.from(await client.receive()).equals(Buffer.from(sent))).toBe(true);
    client.socket.destroy();
  });

  it('max_connections refuses beyond the cap before reading; drain turns readiness off', async () => {
    // No reservation for authenticated clients (share 1): at the cap a new connection is refused, not given the
    // slot of the unauthenticated one (that is test/attacks/reserved-slots.test.ts).
    const { proxy } = await setup({ server: { max_connections: 1 }, limits: { unauthenticated_share: 1 } });
    const first = await connectTo(proxy.port);
    await proxy.waitFor('connection.accepted');
    const second = await connectTo(proxy.port);
    await proxy.waitFor('connection.refused', (e) => e.by === 'overload' && e.remotePort === second.localPort);
    expect((await readUntilClose(second)).closed).toBe(true);
    expect(proxy.service.server.isReady()).toBe(true);
    const drained = proxy.service.server.drain(200);
    expect(proxy.service.server.isReady()).toBe(false);
    expect(proxy.service.server.stats().draining).toBe(true);
    await drained;
    expect((await readUntilClose(first)).closed).toBe(true);
    await proxy.waitFor('server.draining');
  });

  it('listens on IPv4 and IPv6 at once', async () => {
    const { proxy } = await setup({ server: { listen: ['127.0.0.1:0', '[::1]:0'] } });
    const addresses = proxy.service.server.addresses();
    expect(addresses.map((a) => a.family).sort()).toEqual(['IPv4', 'IPv6']);
    const v6 = addresses.find((a) => a.family === 'IPv6')!;
    const socket = await connectTo(v6.port, '::1');
    socket.destroy();
    const accepted = await proxy.waitFor('connection.accepted', (e) => e.localAddress === '::1');
    expect(accepted.remoteAddress).toBe('::1');
  });

  it('a client half-close is passed on and the answer still arrives', async () => {
    const { proxy } = await setup();
    const client = await obfuscatedClient(proxy.port, dd.key);
    client.send(new Uint8Array(64).fill(4));
    client.socket.end(); // no more from the client; the DC answers and then ends too
    expect((await client.receive()).length).toBe(64);
    const { closed } = await readUntilClose(client.socket);
    expect(closed).toBe(true);
    await proxy.waitFor('connection.closed', (e) => e.user === 'd');
  });

  it('backpressure: a client that does not read stops the proxy reading from the DC', { timeout: 30_000 }, async () => {
    const total = 48 * 1024 * 1024;
    const { dc, proxy } = await setup({ server: { max_buffer: '64KiB' } }, { send: total });
    const client = await obfuscatedClient(proxy.port, dd.key);
    client.socket.pause();
    client.socket.removeAllListeners('data');
    client.send(new Uint8Array(8).fill(1)); // triggers the 8 MiB answer
    await new Promise((r) => setTimeout(r, 500));
    const dcSocket = [...dc.sockets][0]!;
    // The DC could not hand everything over: the proxy stopped reading once its queue towards the client was
    // full (loopback socket buffers hold a few MiB per hop; the rest must wait at the DC).
    expect(dcSocket.writableLength).toBeGreaterThan(total / 4);
    const received = await readAtLeast(client.socket, total + 4, 20_000);
    expect(received.length).toBe(total + 4);
    client.socket.destroy();
    await proxy.waitFor('connection.closed', (e) => e.user === 'd' && e.toClient >= total);
  });

  it('backpressure: a DC that does not read stops the proxy reading from the client (borrowed client reads pause)', { timeout: 30_000 }, async () => {
    const total = 32 * 1024 * 1024;
    const { dc, proxy } = await setup({ server: { max_buffer: '64KiB' } }, { send: 8 });
    const client = await obfuscatedClient(proxy.port, dd.key);
    client.send(new Uint8Array(8).fill(1));
    await client.receive(); // relaying: the client's reads now go into the shared buffer
    const dcSocket = [...dc.sockets][0]!;
    dcSocket.pause();
    const frame = new Uint8Array(1024 * 1024).map((_, i) => i & 0xff);
    for (let sent = 0; sent < total; sent += frame.length) client.send(frame);
    await new Promise((r) => setTimeout(r, 500));
    // The proxy stopped reading once its queue towards the DC was full: most of it still waits at the client.
    expect(client.socket.writableLength).toBeGreaterThan(total / 4);
    dcSocket.resume();
    const expected = 8 + 4 + total + (total / frame.length) * 4; // every frame with its 4-byte length
    const deadline = Date.now() + 20_000;
    while (dc.connections[0]!.bytesIn < expected && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    expect(dc.connections[0]!.bytesIn).toBe(expected);
    client.socket.destroy();
  });

  it('large client frames arrive intact through borrowed client reads (dd and fake TLS records split across reads)', { timeout: 30_000 }, async () => {
    const { proxy } = await setup();
    for (const client of [await obfuscatedClient(proxy.port, dd.key), await fakeTlsClient(proxy.port, ee.key, 'example.com')]) {
      for (let round = 0; round < 4; round++) {
        const sent = new Uint8Array(1_000_000 + round * 4).map((_, i) => (i * (round + 3)) & 0xff);
        client.send(sent);
        expect(Buffer.from(await client.receive()).equals(Buffer.from(sent))).toBe(true);
      }
      client.socket.destroy();
    }
  });

  it('calls the gate at accept, after identification, on handshake outcome and on close; and the shaper', async () => {
    const calls: string[] = [];
    const gate: ConnectionGate = {
      onAccept: () => (calls.push('accept'), { allow: true }),
      onIdentified: (_c, user, mode) => (calls.push(`identified:${user}:${mode}`), { allow: true }),
      onHandshake: (_c, outcome) => void calls.push(`handshake:${outcome.ok}`),
      onClosed: (_c, user) => void calls.push(`closed:${user}`),
    };
    let shaped = 0;
    const shaper = { delayFor: (user: string) => (user === 'e' ? (shaped++, 0) : 0) };
    const { proxy } = await setup({}, undefined, { gate, shaper });
    const client = await mtcuteClient(proxy.port, formatSecret(ee));
    await client.send(new Uint8Array(16));
    await client.receive();
    await client.close();
    await proxy.waitFor('connection.closed', (e) => e.user === 'e');
    expect(calls).toEqual(['accept', 'handshake:true', 'identified:e:ee', 'closed:e']);
    expect(shaped).toBeGreaterThan(0);
  });

  it('a gate refusal at accept fronts or closes as asked, with connection.refused', async () => {
    const site = await startFrontingSite();
    cleanups.push(() => site.close());
    const gate: ConnectionGate = {
      onAccept: () => ({ allow: false, by: 'block', reason: 'blocked', action: 'front' }),
      onIdentified: () => ({ allow: true }),
    };
    const { proxy } = await setup({ fronting: { host: '127.0.0.1', port: site.port } }, undefined, { gate });
    const socket = await connectTo(proxy.port);
    socket.write('hello?');
    expect((await readAtLeast(socket, SITE_BANNER.length)).equals(SITE_BANNER)).toBe(true);
    await site.waitForExactly(Buffer.from('hello?'));
    socket.destroy();
    await proxy.waitFor('connection.refused', (e) => e.by === 'block');
  });

  it('closes a live connection when its user expires, and reports bytes', async () => {
    const soon = generateSecret('dd');
    const { proxy } = await setup({ users: { soon: { secret: formatSecret(soon), expires: new Date(Date.now() + 1500).toISOString() } } });
    const client = await obfuscatedClient(proxy.port, soon.key);
    client.send(new Uint8Array(100).fill(1));
    await client.receive();
    const closed = await proxy.waitFor('connection.closed', (e) => e.user === 'soon', 6000);
    expect(closed.reason).toBe('expired');
    expect(closed.fromClient).toBe(64 + 104);
    const bytes = proxy.events.filter((e) => e.name === 'bytes' && e.data.user === 'soon');
    expect(bytes.reduce((n, e) => n + (e.name === 'bytes' ? e.data.fromClient : 0), 0)).toBe(closed.fromClient);
  });
});
