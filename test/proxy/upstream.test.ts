/**
 * The Upstream seam (src/upstream/types.ts): the session hands an admitted client to whatever upstream the
 * server was given. Here a loopback upstream (test/helpers/loopback-upstream.ts) echoes the client's plaintext
 * stream from an in-memory duplex, so the pipeline accept → handshake → admit → upstream → relay → close runs
 * against a non-socket endpoint, as a multiplexed upstream's virtual stream would be.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { encodeFrame } from '../../src/protocol/framing.js';
import { formatSecret, generateSecret } from '../../src/protocol/secrets.js';
import type { UpstreamContext } from '../../src/upstream/types.js';
import { LoopbackUpstream } from '../helpers/loopback-upstream.js';
import { waitForPeerClose } from '../helpers/net.js';
import { startTestProxy, type TestProxy } from '../helpers/proxy.js';
import { obfuscatedClient } from '../helpers/raw-client.js';

const dd = generateSecret('dd');
const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function proxyWithLoopback(): Promise<{ proxy: TestProxy; upstream: LoopbackUpstream }> {
  let upstream: LoopbackUpstream | undefined;
  const proxy = await startTestProxy(
    { users: { alice: { secret: formatSecret(dd) } } },
    { upstream: (ctx: UpstreamContext) => (upstream = new LoopbackUpstream(ctx)) },
  );
  cleanups.push(() => proxy.stop());
  return { proxy, upstream: upstream! };
}

/** A client whose first frame made the round trip through the loopback upstream. */
async function relayingClient() {
  const { proxy, upstream } = await proxyWithLoopback();
  const client = await obfuscatedClient(proxy.port, dd.key, { kind: 'intermediate' });
  cleanups.push(() => void client.socket.destroy());
  client.send(Buffer.alloc(8, 7));
  await client.receive();
  return { proxy, upstream, client };
}

async function until(check: () => boolean, timeoutMs = 5000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 10));
  }
}

describe('a session with a loopback upstream', () => {
  it('hands over the admitted client and relays its plaintext frames both ways', async () => {
    const { proxy, upstream } = await proxyWithLoopback();
    const client = await obfuscatedClient(proxy.port, dd.key, { kind: 'intermediate', dc: -4 });
    cleanups.push(() => void client.socket.destroy());
    const payloads = [Buffer.alloc(40, 1), Buffer.alloc(70_000, 2), Buffer.from('mtproto!')];
    for (const payload of payloads) {
      client.send(payload);
      expect(Buffer.from(await client.receive()).equals(payload)).toBe(true);
    }
    const [admitted] = upstream.clients;
    // a dd secret spoken in intermediate framing is mode 'plain' (the mode follows the framing the client used)
    expect(admitted).toMatchObject({ user: 'alice', mode: 'plain', dc: -4, framing: 'intermediate' });
    expect(admitted!.ref.remoteAddress).toBe('127.0.0.1');
    // The upstream saw the client's plaintext stream: its frames, exactly as framed.
    const plaintext = Buffer.concat(upstream.endpoints[0]!.received);
    expect(plaintext.equals(Buffer.concat(payloads.map((p) => encodeFrame('intermediate', p))))).toBe(true);
  });

  it('a client that half-closes: the upstream gets the end, and its end comes back', async () => {
    const { proxy, upstream, client } = await relayingClient();
    const closed = proxy.waitFor('connection.closed');
    client.socket.end();
    expect(await waitForPeerClose(client.socket)).toBe(true);
    await closed;
    expect(upstream.endpoints[0]!.writableEnded).toBe(true);
    await until(() => upstream.endpoints[0]!.destroyed);
  });

  it('an upstream that closes closes the client', async () => {
    const { proxy, upstream, client } = await relayingClient();
    const closed = proxy.waitFor('connection.closed');
    upstream.endpoints[0]!.destroy();
    expect(await waitForPeerClose(client.socket)).toBe(true);
    expect((await closed).reason).toBe('upstream_closed');
  });

  it('a slow upstream pauses the client (backpressure) and everything arrives once it reads again', async () => {
    const { proxy, upstream } = await proxyWithLoopback();
    upstream.slow = true;
    const client = await obfuscatedClient(proxy.port, dd.key, { kind: 'intermediate' });
    cleanups.push(() => void client.socket.destroy());
    const frame = Buffer.alloc(256 * 1024, 9);
    const frames = 64; // 16 MiB, more than the loopback socket buffers hold
    await until(() => upstream.endpoints.length === 1);
    for (let i = 0; i < frames; i++) client.send(frame);
    const endpoint = upstream.endpoints[0]!;
    await new Promise((r) => setTimeout(r, 500));
    const whileHeld = endpoint.receivedBytes;
    // The relay stopped reading the client once the endpoint's queue (64 KiB) was full: a chunk or two got in.
    expect(whileHeld).toBeLessThan(1024 * 1024);
    expect(client.socket.writableLength).toBeGreaterThan(0);
    expect(proxy.service.server.stats().bytes.fromClient).toBeLessThan((frames * frame.length) / 2);
    endpoint.release();
    await until(() => endpoint.receivedBytes === frames * (frame.length + 4), 20_000); // each frame: 4-byte length + payload
  }, 30_000);

  it('what a client sends (and its end) while the upstream connects is relayed once it is connected', async () => {
    const { proxy, upstream } = await proxyWithLoopback();
    let connect!: () => void;
    upstream.gate = new Promise((resolve) => (connect = resolve));
    const client = await obfuscatedClient(proxy.port, dd.key, { kind: 'intermediate' });
    cleanups.push(() => void client.socket.destroy());
    await until(() => upstream.waiting.length === 1);
    const payload = Buffer.alloc(1000, 5);
    client.send(payload);
    client.socket.end();
    await new Promise((r) => setTimeout(r, 100)); // the proxy reads both while still connecting
    connect();
    expect(Buffer.from(await client.receive()).equals(payload)).toBe(true);
    expect(upstream.endpoints[0]!.writableEnded).toBe(true);
    expect(await waitForPeerClose(client.socket)).toBe(true);
  });

  it('a client that resets while the upstream connects aborts the connect', async () => {
    const { proxy, upstream } = await proxyWithLoopback();
    upstream.gate = new Promise(() => {}); // never connects by itself
    const client = await obfuscatedClient(proxy.port, dd.key, { kind: 'intermediate' });
    await until(() => upstream.waiting.length === 1);
    const signal = upstream.waiting[0]!;
    expect(signal.aborted).toBe(false);
    const closed = proxy.waitFor('connection.closed');
    client.socket.resetAndDestroy();
    expect((await closed).reason).toBe('client_closed');
    expect(signal.aborted).toBe(true);
    expect(upstream.endpoints).toHaveLength(0);
    expect(proxy.events.some((e) => e.name === 'dc.failed')).toBe(false);
    expect(proxy.service.server.stats().connections.active).toBe(0);
  });
});
