/**
 * Middle mode end to end: plain, dd and ee clients (the raw clients and mtcute) through mtshield to the fake
 * middle proxy on 127.0.0.1, which checks every request and answers with answerFor(packet). Frames from 52 bytes
 * to 200 KB pipelined, 40 concurrent clients on a few links, quick-ack, ad tags (global and per user), the real
 * client address, close from either side.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { randomBytes } from 'node:crypto';
import { formatSecret } from '../../../src/protocol/secrets.js';
import { parseAddress } from '../../../src/upstream/middle/addresses.js';
import { PROXY_FLAG_HAS_AD_TAG, PROXY_FLAG_QUICKACK } from '../../../src/upstream/middle/index.js';
import { mtcuteClient } from '../../helpers/clients.js';
import { waitForPeerClose } from '../../helpers/net.js';
import { fakeTlsClient, obfuscatedClient } from '../../helpers/raw-client.js';
import { answerFor, quickAckToken } from './fake-middle-proxy.js';
import { AD_TAG, USER_TAG, dd, ee, plain, startMiddleSetup } from './helpers.js';

const cleanups: Array<() => unknown> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

const hex = (b: Uint8Array | undefined) => (b === undefined ? undefined : Buffer.from(b).toString('hex'));
/** The answer to `sent`; a padded-intermediate answer may carry up to 15 bytes of padding after it. */
function expectAnswer(got: Uint8Array, sent: Uint8Array): void {
  expect(got.length - sent.length).toBeGreaterThanOrEqual(0);
  expect(got.length - sent.length).toBeLessThan(16);
  expect(hex(got.subarray(0, sent.length))).toBe(hex(answerFor(sent)));
}
const payload = (n: number, seed = 1) => Buffer.from(Uint8Array.from({ length: n }, (_, i) => (i * seed + 3) & 0xff));

describe('middle mode through the proxy', () => {
  it('relays plain, dd and ee clients; answers come back in each framing; ad tags global and per user', async () => {
    const { fake, proxy } = await startMiddleSetup(cleanups);
    const clients = [
      { user: 'p', tag: AD_TAG, c: await obfuscatedClient(proxy.port, plain.key, { kind: 'abridged' }) },
      { user: 'p', tag: AD_TAG, c: await obfuscatedClient(proxy.port, plain.key, { kind: 'intermediate' }) },
      { user: 'd', tag: USER_TAG, c: await obfuscatedClient(proxy.port, dd.key, { kind: 'padded' }) },
      { user: 'e', tag: AD_TAG, c: await fakeTlsClient(proxy.port, ee.key, 'example.com') },
    ];
    for (const { c } of clients) {
      const sent = payload(52, 7);
      c.send(sent);
      expectAnswer(await c.receive(), sent);
    }
    expect(fake.violations).toEqual([]);
    expect(fake.requests).toHaveLength(4);
    const ports = clients.map(({ c }) => ('socket' in c ? c.socket.localPort : 0));
    for (const [i, req] of fake.requests.entries()) {
      expect(req.flags & PROXY_FLAG_HAS_AD_TAG).not.toBe(0);
      expect(hex(req.adTag)).toBe(clients[i]!.tag);
      // the real client's address and port, not the proxy's
      expect(req.clientIp16.equals(Buffer.from(parseAddress('127.0.0.1').v16))).toBe(true);
      expect(req.clientPort).toBe(ports[i]);
      expect(req.proxyPort).toBe(proxy.port);
    }
    for (const { c } of clients) c.socket.destroy();
  });

  it('pipelines frames from 52 bytes to 200 KB for each framing, in order', async () => {
    const { fake, proxy } = await startMiddleSetup(cleanups);
    const sizes = [52, 1024, 16_384, 65_536, 200 * 1024, 52, 100_000];
    for (const [key, kind] of [[plain.key, 'abridged'], [plain.key, 'intermediate'], [dd.key, 'padded']] as const) {
      const c = await obfuscatedClient(proxy.port, key, { kind });
      const sent = sizes.map((n, i) => payload(n, i + 3));
      for (const s of sent) c.send(s);
      for (const s of sent) expectAnswer(await c.receive(), s);
      c.socket.destroy();
    }
    expect(fake.violations).toEqual([]);
  });

  it('a real client library (mtcute) works through middle mode with plain, dd and ee secrets', async () => {
    const { proxy } = await startMiddleSetup(cleanups);
    for (const secret of [plain, dd, ee]) {
      const client = await mtcuteClient(proxy.port, formatSecret(secret));
      const sent = payload(4000, 5);
      await client.send(sent);
      // mtcute pads its own padded frames too, and that padding is part of the packet the middle proxy echoes
      const got = await client.receive();
      expect(got.length - sent.length).toBeLessThan(32);
      expect(hex(got.subarray(0, sent.length))).toBe(hex(answerFor(sent)));
      await client.close();
    }
  });

  it('40 concurrent clients share a few links', async () => {
    const { fake, proxy } = await startMiddleSetup(cleanups);
    const clients = await Promise.all(Array.from({ length: 40 }, () => obfuscatedClient(proxy.port, plain.key, { kind: 'intermediate' })));
    await Promise.all(
      clients.map(async (c, i) => {
        const sent = [payload(52 + 4 * i, i), payload(8000, i + 1)];
        for (const s of sent) c.send(s);
        for (const s of sent) expectAnswer(await c.receive(), s);
      }),
    );
    const stats = proxy.service.middle!.pool.stats();
    expect(stats.links).toBeGreaterThanOrEqual(1);
    expect(stats.links).toBeLessThanOrEqual(2);
    expect(stats.clients).toBe(40);
    expect(new Set(fake.requests.map((r) => r.connId)).size).toBe(40);
    expect(fake.violations).toEqual([]);
    for (const c of clients) c.socket.destroy();
  });

  it('quick-ack: the flag reaches the middle proxy and RPC_SIMPLE_ACK comes back as the client quick-ack', async () => {
    const { fake, proxy } = await startMiddleSetup(cleanups);
    const { encodeFrame, FrameDecoder } = await import('../../../src/protocol/framing.js');
    const { createCtrStream } = await import('../../../src/protocol/ctr.js');
    const { buildClientHeader } = await import('../../../src/protocol/obfuscated2.js');
    const { connectTo } = await import('../../helpers/net.js');
    for (const kind of ['abridged', 'intermediate'] as const) {
      const header = buildClientHeader(plain.key, kind, 2);
      const socket = await connectTo(proxy.port);
      const enc = createCtrStream(header.encrypt);
      const dec = createCtrStream(header.decrypt);
      const decoder = new FrameDecoder(kind, { direction: 'from-server' });
      const frames: Array<{ type: string; token?: number; payload?: Uint8Array }> = [];
      socket.on('data', (chunk: Buffer) => frames.push(...decoder.push(dec.update(chunk))));
      const sent = payload(256, 9);
      socket.write(Buffer.concat([header.header, enc.update(encodeFrame(kind, sent, { quickAck: true }))]));
      for (let i = 0; i < 200 && frames.length < 2; i++) await new Promise((r) => setTimeout(r, 10));
      expect(frames[0]).toEqual({ type: 'ack', token: quickAckToken(sent) & 0x7fffffff });
      expect(hex(frames[1]!.payload)).toBe(hex(answerFor(sent)));
      socket.destroy();
    }
    expect(fake.requests.every((r) => (r.flags & PROXY_FLAG_QUICKACK) !== 0)).toBe(true);
  });

  it('a client that leaves is closed on the middle proxy (RPC_CLOSE_CONN); RPC_CLOSE_EXT closes that client only', async () => {
    const { fake, proxy } = await startMiddleSetup(cleanups);
    const a = await obfuscatedClient(proxy.port, plain.key, { kind: 'intermediate' });
    const b = await obfuscatedClient(proxy.port, plain.key, { kind: 'intermediate' });
    a.send(payload(52));
    b.send(payload(56));
    await a.receive();
    await b.receive();
    const [idA, idB] = [fake.requests[0]!.connId, fake.requests[1]!.connId];
    a.socket.destroy();
    for (let i = 0; i < 200 && !fake.closedConns.includes(idA); i++) await new Promise((r) => setTimeout(r, 10));
    expect(fake.closedConns).toContain(idA);
    fake.closeClient(idB);
    expect(await waitForPeerClose(b.socket, 5000)).toBe(true);
    expect(fake.violations).toEqual([]);
    // the link itself is still fine for a new client
    const c = await obfuscatedClient(proxy.port, plain.key, { kind: 'intermediate' });
    const sent = payload(60);
    c.send(sent);
    expectAnswer(await c.receive(), sent);
    c.socket.destroy();
  });

  it('usage is counted per user as in direct mode', async () => {
    const { proxy } = await startMiddleSetup(cleanups);
    const c = await obfuscatedClient(proxy.port, plain.key, { kind: 'intermediate' });
    const sent = randomBytes(4096);
    c.send(sent);
    await c.receive();
    c.socket.destroy();
    const closed = await proxy.waitFor('connection.closed', (e) => e.user === 'p');
    expect(closed.fromClient).toBeGreaterThan(4096);
    expect(closed.toClient).toBeGreaterThanOrEqual(4096);
  });
});
