// The fronting profile end to end, through the REAL proxy: a node:tls site on 127.0.0.1 with an RSA-2048 chain
// is profiled by a ProfileStore, the proxy answers valid fake-TLS clients with that shape, records towards the
// client follow the ramp after the handshake, JA4 reaches the events and /metrics, real clients still connect.
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createMetrics } from '../../src/admin/metrics.js';
import { FALLBACK_CHAINS, ProfileStore, TemplateAnswers, type ProfileLog, type ProfileSource, type SiteProfile, parseServerFlight } from '../../src/fronting/index.js';
import { buildClientHello } from '../../src/protocol/faketls.js';
import { ja4 } from '../../src/protocol/ja4.js';
import { formatSecret, generateSecret } from '../../src/protocol/secrets.js';
import { gramjsClient, mtcuteClient } from '../helpers/clients.js';
import { startFakeDc, type FakeDc } from '../helpers/fake-dc.js';
import { connectTo, freePort } from '../helpers/net.js';
import { startTestProxy, type TestProxy } from '../helpers/proxy.js';
import { fakeTlsClient } from '../helpers/raw-client.js';
import { answerOf, answersShapedBy } from './answers.js';
import { makeChain, startTlsSite, type Chain, type TlsSite } from './tls-site.js';

const DOMAIN = 'example.com';
const PROBE = { quietMs: 100, connectTimeoutMs: 2000, readTimeoutMs: 3000 };
const manualTimer = { setInterval: () => 0, clearInterval: () => undefined };

const ee = generateSecret('ee', DOMAIN);
const dd = generateSecret('dd');
let chain: Chain;
let renewed: Chain;
let site: TlsSite;
let dc: FakeDc;

function quietLog(): ProfileLog & { warnings: string[] } {
  const warnings: string[] = [];
  return { warnings, info: () => undefined, warn: (_f, m) => void warnings.push(m) };
}

async function proxyWith(store: ProfileSource): Promise<TestProxy> {
  const to = [`127.0.0.1:${dc.port}`];
  return startTestProxy(
    {
      users: { e: { secret: formatSecret(ee) }, d: { secret: formatSecret(dd) } },
      upstream: { dc: { '2': to } },
      fronting: { host: '127.0.0.1', port: site.port, connect_timeout: '2s' },
    },
    { profiles: store },
  );
}

const twentyAnswers = (proxy: TestProxy, profile: SiteProfile) => answersShapedBy(proxy.port, ee, profile);

beforeAll(async () => {
  chain = makeChain(12);
  renewed = makeChain(60);
  site = await startTlsSite(chain);
  dc = await startFakeDc();
}, 60_000);

afterAll(async () => {
  await site?.close();
  await dc?.close();
});

describe('the proxy answers valid fake-TLS clients like its fronting site (127.0.0.1, RSA-2048 chain)', () => {
  let store: ProfileStore;
  let proxy: TestProxy;

  beforeAll(async () => {
    store = new ProfileStore({ domains: [DOMAIN], target: () => ({ host: '127.0.0.1', port: site.port }), probe: PROBE, timer: manualTimer, log: quietLog() });
    await store.start();
    proxy = await proxyWith(store);
  }, 30_000);

  afterAll(async () => {
    store?.stop();
    await proxy?.stop();
  });

  it('over 20 handshakes: the site record types, order and suite; flight within its variation ±64 bytes, not constant', async () => {
    const profile = store.profileFor(DOMAIN);
    expect(profile.source).toBe('site');
    const sizes = await twentyAnswers(proxy, profile);
    expect(Math.min(...sizes)).toBeGreaterThanOrEqual(Math.min(...profile.flightSizes) - 64);
    expect(Math.max(...sizes)).toBeLessThanOrEqual(Math.max(...profile.flightSizes) + 64);
    expect(new Set(sizes).size).toBeGreaterThan(5);
  }, 30_000);

  it('a changed certificate changes the profile at refresh, and the answers follow it', async () => {
    const before = store.profileFor(DOMAIN);
    site.setChain(renewed);
    try {
      await store.refresh();
      const after = store.profileFor(DOMAIN);
      expect(Math.min(...after.flightSizes)).toBeGreaterThan(Math.max(...before.flightSizes) + 64);
      const sizes = await twentyAnswers(proxy, after);
      expect(Math.min(...sizes)).toBeGreaterThanOrEqual(Math.min(...after.flightSizes) - 64);
    } finally {
      site.setChain(chain);
      await store.refresh();
    }
  }, 30_000);

  it('JA4 of every ClientHello, valid or fronted, is on the handshake events and a bounded label in /metrics', async () => {
    const metrics = createMetrics({ bus: proxy.service.bus, version: 'test', processMetrics: false });
    try {
      const hello = buildClientHello(ee.key, DOMAIN, Date.now());
      const fingerprint = ja4(hello.record).ja4;
      expect(fingerprint).toMatch(/^t13d\d{4}h2_[0-9a-f]{12}_[0-9a-f]{12}$/);
      // a valid client that completes the handshake
      const client = await fakeTlsClient(proxy.port, ee.key, DOMAIN, { hello });
      client.send(new Uint8Array(16));
      await client.receive();
      const ok = await proxy.waitFor('handshake.ok', (e) => e.user === 'e');
      expect(ok.ja4).toBe(fingerprint);
      client.socket.destroy();
      // a prober with a wrong key is fronted; its hello is fingerprinted too
      const prober = await connectTo(proxy.port);
      const probe = buildClientHello(new Uint8Array(randomBytes(16)), DOMAIN, Date.now());
      prober.write(probe.record);
      const failed = await proxy.waitFor('handshake.failed', (e) => e.reason === 'bad_hmac');
      expect(failed.ja4).toBe(ja4(probe.record).ja4);
      prober.destroy();
      const text = await metrics.render();
      for (const fp of [fingerprint, failed.ja4]) {
        expect(text.split('\n').some((l) => new RegExp(`^mtshield_client_hellos_total\\{ja4="${fp}"\\} [1-9]`).test(l)), text).toBe(true);
      }
    } finally {
      metrics.close();
    }
  }, 30_000);

  it('after the handshake, records towards the client start segment-sized with varying sizes and grow to 16 KiB', async () => {
    const client = await fakeTlsClient(proxy.port, ee.key, DOMAIN);
    const raw: Buffer[] = [];
    client.socket.on('data', (chunk: Buffer) => raw.push(chunk));
    const frame = new Uint8Array(65_536);
    for (let i = 0; i < 28; i++) {
      client.send(frame); // the fake DC echoes each frame: 1.75 MiB down in one burst
      expect((await client.receive()).length).toBe(frame.length);
    }
    client.socket.destroy();
    const bytes = Buffer.concat(raw);
    const sizes: number[] = [];
    for (let at = 0; at + 5 <= bytes.length; at += 5 + bytes.readUInt16BE(at + 3)) {
      expect(bytes.subarray(at, at + 3).toString('hex')).toBe('170303');
      sizes.push(bytes.readUInt16BE(at + 3));
    }
    // the last record of a write may be shorter (a real server's is too); every other one is segment-sized
    const first = sizes.slice(0, 50);
    expect(first.every((s) => s <= 1400), first.join(' ')).toBe(true);
    expect(first.filter((s) => s >= 1250).length, first.join(' ')).toBeGreaterThanOrEqual(45);
    expect(new Set(first).size).toBeGreaterThan(10); // a new size per record: no fixed pattern
    expect(Math.max(...sizes)).toBe(16_384);
    expect(sizes.every((s) => s <= 16_384)).toBe(true);
  }, 60_000);

  it('real clients still connect: mtcute with the ee secret, GramJS with dd', async () => {
    const mtcute = await mtcuteClient(proxy.port, formatSecret(ee));
    const frame = new Uint8Array(2048).fill(7);
    await mtcute.send(frame);
    const echoed = await mtcute.receive(); // padded intermediate: the echo carries 0–15 bytes of padding
    expect(Buffer.from(echoed.subarray(0, frame.length)).equals(Buffer.from(frame))).toBe(true);
    expect(echoed.length - frame.length).toBeLessThan(16);
    await mtcute.close();
    const gramjs = await gramjsClient(proxy.port, formatSecret(dd));
    await gramjs.send(frame);
    expect(Buffer.from(await gramjs.receive()).equals(Buffer.from(frame))).toBe(true);
    await gramjs.close();
  }, 30_000);
});

describe('the fallback profile when the site is down', () => {
  it('answers with the documented chain sizes (±48 bytes), logs it, and never a constant size', async () => {
    const log = quietLog();
    const down = await freePort();
    const store = new ProfileStore({ domains: [DOMAIN], target: () => ({ host: '127.0.0.1', port: down }), probe: PROBE, timer: manualTimer, log });
    await store.start();
    const proxy = await proxyWith(store);
    try {
      const profile = store.profileFor(DOMAIN);
      expect(profile.source).toBe('fallback');
      expect(log.warnings).toContain('fronting site unreachable; answering with the fallback profile');
      const sizes = await twentyAnswers(proxy, profile);
      for (const size of sizes) expect(FALLBACK_CHAINS.some((c) => Math.abs(c.flightSize - size) <= 48), String(size)).toBe(true);
      expect(new Set(sizes).size).toBeGreaterThan(5);
    } finally {
      store.stop();
      await proxy.stop();
    }
  }, 30_000);
});

describe('profiles off (TemplateAnswers, the benchmark baseline)', () => {
  it('answers with the template: one record of 1024..4095 bytes, a new size each time', async () => {
    const proxy = await proxyWith(new TemplateAnswers());
    try {
      const sizes: number[] = [];
      for (let i = 0; i < 20; i++) {
        const { answer, socket } = await answerOf(proxy.port, ee);
        socket.destroy();
        const flight = parseServerFlight(answer);
        expect(flight.encryptedSizes).toHaveLength(1);
        sizes.push(flight.encryptedSizes[0]!);
      }
      expect(sizes.every((n) => n >= 1024 && n <= 4095), sizes.join(' ')).toBe(true);
      expect(new Set(sizes).size).toBeGreaterThan(15);
    } finally {
      await proxy.stop();
    }
  }, 30_000);
});
