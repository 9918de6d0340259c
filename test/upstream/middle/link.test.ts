/**
 * MiddleLink against the test middle proxy over real sockets on 127.0.0.1: handshake (CRC32 and CRC32-C, NAT
 * address, wrong secret, silent proxy), many clients on one link, pipelined packets from 52 bytes to 200 KB,
 * quick-ack, ad tags, close from either side, ping/pong, a link killed mid-stream, and a slow client that must
 * not stall the others. The link's CBC is the kernel registry; the fake's is node:crypto.
 */
import { randomBytes } from 'node:crypto';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { MiddleLink, PROXY_FLAG_HAS_AD_TAG, PROXY_FLAG_QUICKACK, PROXY_FLAG_ABRIDGED, PROXY_FLAG_INTERMEDIATE, PROXY_FLAG_PAD, PROXY_FLAG_NOT_ENCRYPTED, type MiddleClientStream, type MiddleLinkOptions } from '../../../src/upstream/middle/index.js';
import type { KernelRegistry } from '../../../src/kernels/index.js';
import type { FramingKind } from '../../../src/protocol/framing.js';
import { loadTestKernels } from '../../kernels/registry-helpers.js';
import { freePort } from '../../helpers/net.js';
import { FakeMiddleProxy, answerFor, quickAckToken, type FakeMiddleOptions } from './fake-middle-proxy.js';

const SECRET = randomBytes(128);
let registry: KernelRegistry;
beforeAll(async () => {
  registry = await loadTestKernels();
});

const cleanups: Array<() => unknown> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function setup(fakeOptions: Partial<FakeMiddleOptions> = {}, linkOptions: Partial<MiddleLinkOptions> = {}) {
  const fake = await FakeMiddleProxy.start({ proxySecret: SECRET, ...fakeOptions });
  cleanups.push(() => fake.close());
  const link = await MiddleLink.connect({ host: fakeOptions.host ?? '127.0.0.1', port: fake.port, proxySecret: SECRET, registry, ...linkOptions });
  cleanups.push(() => link.close());
  return { fake, link };
}

const CLIENT = { client: { ip: '198.51.100.23', port: 40001 }, proxy: { ip: '127.0.0.1', port: 443 } };

function open(link: MiddleLink, framing: FramingKind = 'intermediate', adTag?: Uint8Array, port = 40001): MiddleClientStream {
  return link.openClient({ ...CLIENT, client: { ...CLIENT.client, port }, framing, adTag });
}

/** Collects `count` answers of one client. */
function answers(stream: MiddleClientStream, count: number, timeoutMs = 15_000): Promise<Buffer[]> {
  return new Promise((resolve, reject) => {
    const got: Buffer[] = [];
    const timer = setTimeout(() => reject(new Error(`only ${got.length}/${count} answers`)), timeoutMs);
    stream.on('data', (p: Buffer) => {
      got.push(p);
      if (got.length === count) {
        clearTimeout(timer);
        resolve(got);
      }
    });
  });
}

function until(cond: () => boolean, timeoutMs = 5000): Promise<void> {
  return new Promise((resolve, reject) => {
    const started = Date.now();
    const tick = () => (cond() ? resolve() : Date.now() - started > timeoutMs ? reject(new Error('condition not met')) : setTimeout(tick, 5));
    tick();
  });
}

const packet = (n: number) => randomBytes(n);

describe('MiddleLink handshake', () => {
  it('completes with CRC32 by default and CRC32-C when both ends want it', async () => {
    const plain = await setup();
    expect(plain.link.crc).toBe('crc32');
    const c = await setup({ crc32c: true }, { crc32c: true });
    expect(c.link.crc).toBe('crc32c');
    const s = open(c.link);
    s.write(packet(64));
    await answers(s, 1);
    expect(c.fake.violations).toEqual([]);
    const offered = await setup({}, { crc32c: true }); // offered, not accepted
    expect(offered.link.crc).toBe('crc32');
  });

  it('derives with nat_ip when set: the proxy keyed to the public address accepts only that', async () => {
    const { link, fake } = await setup({ natClientIp: '203.0.113.7' }, { natIp: '203.0.113.7' });
    const s = open(link);
    s.write(packet(128));
    expect((await answers(s, 1))[0]!.length).toBe(128);
    await expect(MiddleLink.connect({ host: '127.0.0.1', port: fake.port, proxySecret: SECRET, registry, handshakeTimeoutMs: 3000 })).rejects.toMatchObject({
      code: expect.stringMatching(/^ERR_PROTOCOL_MIDDLE_(LINK_CLOSED|HANDSHAKE_TIMEOUT)$/),
    });
  });

  it('rejects a proxy holding another secret, and a proxy that never answers, with typed errors', async () => {
    const other = await FakeMiddleProxy.start({ proxySecret: randomBytes(128) });
    cleanups.push(() => other.close());
    await expect(MiddleLink.connect({ host: '127.0.0.1', port: other.port, proxySecret: SECRET, registry, handshakeTimeoutMs: 3000 })).rejects.toMatchObject({
      code: expect.stringMatching(/^ERR_PROTOCOL_MIDDLE_/),
    });
    other.silent = true;
    const started = Date.now();
    await expect(MiddleLink.connect({ host: '127.0.0.1', port: other.port, proxySecret: SECRET, registry, handshakeTimeoutMs: 300 })).rejects.toMatchObject({
      code: 'ERR_PROTOCOL_MIDDLE_HANDSHAKE_TIMEOUT',
    });
    expect(Date.now() - started).toBeLessThan(3000);
  });

  it('a refused connection rejects; garbage from the middle proxy closes the link with a typed error', async () => {
    const port = await freePort();
    await expect(MiddleLink.connect({ host: '127.0.0.1', port, proxySecret: SECRET, registry })).rejects.toMatchObject({ code: 'ECONNREFUSED' });
    // a small bound: random bytes decrypt to a plausible length with odds of about 1 in 4 million
    const { link, fake } = await setup({}, { maxPayload: 1024 });
    const s = open(link);
    const reason = new Promise<unknown>((resolve) => s.once('close', resolve));
    const closed = new Promise<unknown>((resolve) => link.once('close', resolve));
    fake.sendRaw(randomBytes(64));
    expect(await closed).toMatchObject({ code: expect.stringMatching(/^ERR_PROTOCOL_MIDDLE_FRAME_/) });
    expect(await reason).toMatchObject({ code: expect.stringMatching(/^ERR_PROTOCOL_MIDDLE_FRAME_/) });
  });

  it('works over IPv6 loopback (the IPv6 key derivation)', async (ctx) => {
    let fake: FakeMiddleProxy;
    try {
      fake = await FakeMiddleProxy.start({ proxySecret: SECRET, host: '::1' });
    } catch {
      ctx.skip();
      return;
    }
    cleanups.push(() => fake.close());
    const link = await MiddleLink.connect({ host: '::1', port: fake.port, proxySecret: SECRET, registry });
    cleanups.push(() => link.close());
    const s = open(link);
    s.write(packet(32));
    await answers(s, 1);
    expect(fake.violations).toEqual([]);
  });
});

describe('MiddleLink traffic', () => {
  it('carries 40 concurrent clients on one link, each getting its own answers in order', async () => {
    const { link, fake } = await setup();
    const framings: FramingKind[] = ['abridged', 'intermediate', 'padded'];
    const runs = Array.from({ length: 40 }, async (_, i) => {
      const s = open(link, framings[i % 3], undefined, 41000 + i);
      const sent = Array.from({ length: 8 }, (_, k) => packet(4 * (1 + ((i * 7 + k * 13) % 300))));
      const got = answers(s, sent.length);
      for (const p of sent) s.write(p);
      expect(await got).toEqual(sent.map(answerFor));
      return s;
    });
    const streams = await Promise.all(runs);
    expect(link.clientCount).toBe(40);
    expect(new Set(fake.requests.map((r) => r.connId)).size).toBe(40);
    expect(new Set(fake.requests.map((r) => r.link)).size).toBe(1);
    for (const s of streams) s.end();
    await until(() => fake.closedConns.length === 40);
    expect(link.clientCount).toBe(0);
    expect(fake.violations).toEqual([]);
  });

  it('pipelines packets from 52 bytes to 200 KB and sets framing and NOT_ENCRYPTED flags', async () => {
    const { link, fake } = await setup();
    const sizes = [52, 56, 1024, 4100, 16384, 65536, 131072, 200 * 1024, 52];
    const sent = sizes.map(packet);
    sent[0]!.fill(0, 0, 8); // auth_key_id 0: plaintext MTProto
    const s = open(link, 'padded');
    const got = answers(s, sent.length);
    for (const p of sent) s.write(p);
    const received = await got;
    expect(received.map((b) => b.length)).toEqual(sizes);
    expect(received.every((b, i) => b.equals(answerFor(sent[i]!)))).toBe(true);
    expect(fake.requests.map((r) => r.length)).toEqual(sizes);
    expect(fake.requests[0]!.flags & PROXY_FLAG_NOT_ENCRYPTED).toBeTruthy();
    expect(fake.requests[1]!.flags & PROXY_FLAG_NOT_ENCRYPTED).toBe(0);
    for (const r of fake.requests) expect(r.flags & (PROXY_FLAG_INTERMEDIATE | PROXY_FLAG_PAD | PROXY_FLAG_ABRIDGED)).toBe((PROXY_FLAG_INTERMEDIATE | PROXY_FLAG_PAD) >>> 0);
    expect(fake.requests[0]!.clientIp16.toString('hex')).toBe('00000000000000000000ffffc6336417');
    expect(fake.requests[0]!.clientPort).toBe(40001);
    expect(fake.violations).toEqual([]);
  });

  it('write() reports a full link and the client gets drain once it empties', async () => {
    const { link } = await setup();
    const s = open(link);
    const big = packet(256 * 1024);
    let writes = 0;
    while (s.write(big)) writes++;
    writes++;
    const drained = new Promise<void>((resolve) => s.once('drain', resolve));
    const got = answers(s, writes, 30_000);
    await drained;
    expect((await got).every((b) => b.length === big.length)).toBe(true);
  });

  it('abridged clients get the abridged flag; a write of a partial word is a typed error', async () => {
    const { link, fake } = await setup();
    const s = open(link, 'abridged');
    s.write(packet(16));
    await answers(s, 1);
    expect(fake.requests[0]!.flags & PROXY_FLAG_ABRIDGED).toBeTruthy();
    expect(() => s.write(packet(10))).toThrow(expect.objectContaining({ code: 'ERR_PROTOCOL_MIDDLE_MESSAGE' }));
  });

  it('quick-ack: the flag goes out and RPC_SIMPLE_ACK comes back as the client\'s token', async () => {
    const { link, fake } = await setup();
    const s = open(link);
    const p = packet(96);
    const ack = new Promise<number>((resolve) => s.once('quickack', resolve));
    const got = answers(s, 1);
    s.write(p, true);
    expect(await ack).toBe(quickAckToken(p));
    await got;
    expect(fake.requests[0]!.flags & PROXY_FLAG_QUICKACK).toBeTruthy();
  });

  it('sends the ad tag in every request of a tagged client, a per-client tag, and none untagged', async () => {
    const { link, fake } = await setup();
    const tagA = randomBytes(16);
    const tagB = randomBytes(16);
    const a = open(link, 'intermediate', tagA, 1);
    const b = open(link, 'intermediate', tagB, 2);
    const none = open(link, 'intermediate', undefined, 3);
    const done = [answers(a, 3), answers(b, 3), answers(none, 3)];
    for (let i = 0; i < 3; i++) for (const s of [a, b, none]) s.write(packet(40 + 4 * i));
    await Promise.all(done);
    const byPort = (port: number) => fake.requests.filter((r) => r.clientPort === port);
    for (const r of byPort(1)) expect(Buffer.from(r.adTag!).equals(tagA) && (r.flags & PROXY_FLAG_HAS_AD_TAG) !== 0).toBe(true);
    for (const r of byPort(2)) expect(Buffer.from(r.adTag!).equals(tagB)).toBe(true);
    for (const r of byPort(3)) expect(r.adTag === undefined && (r.flags & PROXY_FLAG_HAS_AD_TAG) === 0).toBe(true);
    expect(fake.requests).toHaveLength(9);
    expect(fake.violations).toEqual([]);
  });

  it('close from the middle proxy (RPC_CLOSE_EXT) ends that client only; close from ours sends RPC_CLOSE_CONN', async () => {
    const { link, fake } = await setup();
    const a = open(link, 'intermediate', undefined, 1);
    const b = open(link, 'intermediate', undefined, 2);
    const ended = new Promise<void>((resolve) => a.once('end', resolve));
    const closed = new Promise<unknown>((resolve) => a.once('close', resolve));
    fake.closeClient(a.connId);
    await ended;
    expect(await closed).toBeUndefined();
    expect(a.destroyed).toBe(true);
    expect(a.write(packet(8))).toBe(false);
    b.write(packet(8));
    await answers(b, 1);
    b.end();
    await until(() => fake.closedConns.includes(b.connId));
    expect(fake.closedConns).not.toContain(a.connId); // the proxy closed it: no RPC_CLOSE_CONN back
    expect(link.clientCount).toBe(0);
  });

  it('answers RPC_PING with RPC_PONG, and its own ping gets a pong', async () => {
    const { link, fake } = await setup();
    fake.ping(0x0123456789abcdefn);
    await until(() => fake.pongs.length === 1);
    expect(fake.pongs[0]).toBe(0x0123456789abcdefn);
    const pong = new Promise<bigint>((resolve) => link.once('pong', resolve));
    link.ping(42n);
    expect(await pong).toBe(42n);
  });

  it('a middle proxy that stops answering: requests still go out, no answer or pong comes back, the link stays up', async () => {
    const { link, fake } = await setup();
    const s = open(link);
    s.write(packet(16));
    await answers(s, 1);
    fake.silent = true;
    const late: Buffer[] = [];
    s.on('data', (p: Buffer) => late.push(p));
    let pong = false;
    link.once('pong', () => (pong = true));
    s.write(packet(16));
    link.ping(7n);
    await until(() => fake.requests.length === 2);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(late).toHaveLength(0);
    expect(pong).toBe(false); // what a pool's liveness check sees
    expect(link.closed).toBe(false);
  });

  it('a link killed mid-stream closes all its clients with the reason', async () => {
    const { link, fake } = await setup();
    const streams = Array.from({ length: 5 }, (_, i) => open(link, 'intermediate', undefined, i + 1));
    const reasons = streams.map((s) => new Promise<unknown>((resolve) => s.once('close', resolve)));
    const linkClosed = new Promise<void>((resolve) => link.once('close', () => resolve()));
    for (const s of streams) s.write(packet(200 * 1024));
    await until(() => fake.requests.length >= 1);
    fake.killLinks();
    await linkClosed;
    for (const r of await Promise.all(reasons)) expect(r).toBeInstanceOf(Error);
    expect(link.closed).toBe(true);
    expect(link.clientCount).toBe(0);
    expect(() => link.openClient({ ...CLIENT, framing: 'abridged' })).toThrow(expect.objectContaining({ code: 'ERR_PROTOCOL_MIDDLE_LINK_CLOSED' }));
  });

  it('a paused client does not stall the link; past its buffer bound it alone is dropped', async () => {
    const { link, fake } = await setup({}, { maxClientBuffer: 256 * 1024 });
    const slow = open(link, 'intermediate', undefined, 1);
    const fast = open(link, 'intermediate', undefined, 2);
    slow.pause();
    const slowData: Buffer[] = [];
    slow.on('data', (p: Buffer) => slowData.push(p));
    slow.write(packet(64));
    const fastGot = answers(fast, 20);
    for (let i = 0; i < 20; i++) fast.write(packet(1024));
    await fastGot;
    expect(slowData).toHaveLength(0);
    expect(slow.bufferedAnswers).toBe(64);
    slow.resume();
    expect(slowData).toHaveLength(1);
    slow.pause();
    const dropped = new Promise<unknown>((resolve) => slow.once('close', resolve));
    for (let i = 0; i < 5; i++) fake.answer(slow.connId, packet(64 * 1024));
    expect(await dropped).toMatchObject({ code: 'ERR_PROTOCOL_MIDDLE_CLIENT_OVERFLOW' });
    await until(() => fake.closedConns.includes(slow.connId));
    fast.write(packet(32));
    await answers(fast, 1);
    expect(link.closed).toBe(false);
  });
});
