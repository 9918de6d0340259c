import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  fallbackProfile,
  formatProfile,
  parseServerFlight,
  planAnswer,
  probeFlight,
  profileSite,
  ProfileStore,
  type ProfileLog,
  type SiteProfile,
} from '../../src/fronting/index.js';
import { buildClientHello } from '../../src/protocol/faketls-client.js';
import { buildServerHello, verifyServerAnswer } from '../../src/protocol/faketls-server.js';
import { verifyClientHello } from '../../src/protocol/faketls-verify.js';
import { ja4Parts } from '../../src/protocol/ja4.js';
import { freePort } from '../helpers/net.js';
import { makeChain, startTlsSite, type Chain, type TlsSite } from './tls-site.js';

const DOMAIN = 'example.com';
const PROBE = { quietMs: 100, connectTimeoutMs: 2000, readTimeoutMs: 3000 };
/** Record types with runs collapsed: 16 14 17 17 17 → 16 14 17. */
const shape = (types: readonly number[]) => types.filter((t, i) => t !== types[i - 1]);

function logSink(): ProfileLog & { lines: { level: string; fields: object; message: string }[] } {
  const lines: { level: string; fields: object; message: string }[] = [];
  return {
    lines,
    info: (fields, message) => lines.push({ level: 'info', fields, message }),
    warn: (fields, message) => lines.push({ level: 'warn', fields, message }),
  };
}

/** One valid fake-TLS client's answer, shaped by `profile`. */
function answerFor(profile: SiteProfile, hello = buildClientHello(key, DOMAIN, Date.now())) {
  const verdict = verifyClientHello(hello.record, [{ user: 'u', key, domain: DOMAIN }], Date.now());
  if (!verdict.ok) throw new Error(verdict.reason);
  const plan = planAnswer(profile, verdict.fields.cipherSuites, ja4Parts(hello.record).keyShareGroups);
  const answer = buildServerHello(key, verdict.fields.random, verdict.fields.sessionId, plan);
  return { hello, plan, answer };
}

const key = new Uint8Array(randomBytes(16));
let chain: Chain;
let renewed: Chain;
let site: TlsSite;

beforeAll(async () => {
  chain = makeChain(12);
  renewed = makeChain(60); // a renewal that adds many names: a clearly bigger leaf
  site = await startTlsSite(chain);
}, 60_000);

afterAll(async () => {
  await site?.close();
});

describe('fronting profile of a real TLS site on 127.0.0.1', () => {
  it('records the first flight: record types, ServerHello suite and extensions, CCS, encrypted sizes, time', async () => {
    const sample = await probeFlight({ host: '127.0.0.1', port: site.port }, DOMAIN, PROBE);
    expect(sample.recordTypes.slice(0, 2)).toEqual([0x16, 0x14]);
    expect(sample.recordTypes.slice(2).every((t) => t === 0x17)).toBe(true);
    expect(sample.changeCipherSpec).toBe(true);
    expect([0x1301, 0x1302, 0x1303]).toContain(sample.cipherSuite);
    expect(sample.extensionOrder).toEqual(expect.arrayContaining([0x002b, 0x0033]));
    expect(sample.keyShareGroup).toBe(0x001d);
    expect(sample.serverHelloLength).toBe(4 + 2 + 32 + 1 + 32 + 2 + 1 + 2 + 46);
    const total = sample.encryptedSizes.reduce((a, b) => a + b, 0);
    expect(total).toBeGreaterThan(2000); // an RSA-2048 leaf + intermediate, CertificateVerify, Finished
    expect(sample.flightMs).toBeGreaterThanOrEqual(0);
    expect(sample.flightMs).toBeLessThan(3000);
  });

  it('over 20 handshakes the answer has the site shape and suite, and sizes within its variation but not constant', async () => {
    const profile = await profileSite(DOMAIN, { host: '127.0.0.1', port: site.port }, Date.now(), { ...PROBE, samples: 3 });
    expect(profile.source).toBe('site');
    expect(profile.samples).toHaveLength(3);
    const lo = Math.min(...profile.flightSizes) - 64;
    const hi = Math.max(...profile.flightSizes) + 64;
    const sizes = new Set<number>();
    for (let i = 0; i < 20; i++) {
      const { hello, plan, answer } = answerFor(profile);
      expect(verifyServerAnswer(key, hello.random, answer)).toMatchObject({ status: 'ok', length: answer.length, cipherSuite: profile.cipherSuite });
      const flight = parseServerFlight(answer);
      expect(shape(flight.recordTypes)).toEqual(shape(profile.recordTypes));
      expect(flight.cipherSuite).toBe(profile.cipherSuite);
      expect(flight.extensionOrder).toEqual(profile.extensionOrder);
      expect(flight.serverHelloLength).toBe(profile.serverHelloLength);
      expect(flight.encryptedSizes).toHaveLength(1);
      const size = flight.encryptedSizes[0]!;
      expect(size).toBeGreaterThanOrEqual(lo);
      expect(size).toBeLessThanOrEqual(hi);
      expect(plan.delayMs).toBeGreaterThanOrEqual(0);
      sizes.add(size);
    }
    expect(sizes.size).toBeGreaterThan(5);
  }, 20_000);

  it('answers with a suite the client offered when the site picked one it did not', async () => {
    const profile: SiteProfile = { ...fallbackProfile(DOMAIN, Date.now(), 'test'), cipherSuite: 0x1302, extensionOrder: [0x0033, 0x002b] };
    const hello = buildClientHello(key, DOMAIN, Date.now());
    const verdict = verifyClientHello(hello.record, [{ user: 'u', key, domain: DOMAIN }], Date.now());
    if (!verdict.ok) throw new Error(verdict.reason);
    expect(planAnswer(profile, verdict.fields.cipherSuites).cipherSuite).toBe(0x1302);
    expect(planAnswer(profile, [0x0a0a, 0x1301, 0xc02b]).cipherSuite).toBe(0x1301);
    expect(planAnswer({ ...profile, cipherSuite: 0xc02f }, [0x1303, 0x1301]).cipherSuite).toBe(0x1303);
    const { answer } = answerFor(profile, hello);
    expect(parseServerFlight(answer).extensionOrder).toEqual([0x0033, 0x002b]);
    expect(verifyServerAnswer(key, hello.random, answer).status).toBe('ok');
  });

  it('answers with an X25519MLKEM768 key share when the site picks it and the client offered one', () => {
    const profile: SiteProfile = { ...fallbackProfile(DOMAIN, Date.now(), 'test'), keyShareGroup: 0x11ec, serverHelloLength: 1210 };
    const { hello, plan, answer } = answerFor(profile); // the browser-shaped hello sends an X25519MLKEM768 share
    expect(plan.keyShareGroup).toBe(0x11ec);
    const flight = parseServerFlight(answer);
    expect(flight.keyShareGroup).toBe(0x11ec);
    expect(flight.serverHelloLength).toBe(profile.serverHelloLength);
    expect(verifyServerAnswer(key, hello.random, answer).status).toBe('ok');
    expect(planAnswer(profile, [0x1301], [0x001d]).keyShareGroup).toBe(0x001d); // not offered: x25519
    expect(planAnswer({ ...profile, keyShareGroup: 0x001d }, [0x1301], [0x11ec, 0x001d]).keyShareGroup).toBe(0x001d);
  });

  it('a changed certificate on the site changes the profile at refresh', async () => {
    const log = logSink();
    const store = new ProfileStore({ domains: [DOMAIN], target: () => ({ host: '127.0.0.1', port: site.port }), log, probe: PROBE });
    try {
      await store.refresh();
      const before = store.get(DOMAIN);
      expect(before.source).toBe('site');
      site.setChain(renewed);
      await store.refresh();
      const after = store.get('EXAMPLE.com');
      expect(after.fetchedAt).toBeGreaterThanOrEqual(before.fetchedAt);
      expect(Math.min(...after.flightSizes)).toBeGreaterThan(Math.max(...before.flightSizes) + 64);
      expect(log.lines.filter((l) => l.message === 'fronting site profiled')).toHaveLength(2);
    } finally {
      site.setChain(chain);
    }
  }, 20_000);

  it('uses the fallback when the site is down, logs it, and keeps a measured profile over a failed refresh', async () => {
    const down = await freePort();
    const log = logSink();
    let port = down;
    const runs: (() => void)[] = [];
    const timer = { setInterval: (run: () => void, ms: number) => (runs.push(run), ms), clearInterval: () => runs.splice(0) };
    const store = new ProfileStore({ domains: [DOMAIN, 'other.example'], target: () => ({ host: '127.0.0.1', port }), log, timer, refreshMs: 1234, probe: PROBE });
    await store.start();
    expect(runs).toHaveLength(1);
    const fallback = store.get(DOMAIN);
    expect(fallback.source).toBe('fallback');
    expect(fallback.reason).toBe('ERR_FRONTING_CONNECT');
    expect(log.lines.some((l) => l.level === 'warn' && /fallback/.test(l.message))).toBe(true);
    expect(JSON.stringify(log.lines)).not.toMatch(/[0-9a-f]{32}/); // no key material in the log
    // the fallback answer still varies and verifies
    const sizes = new Set<number>();
    for (let i = 0; i < 20; i++) {
      const { hello, answer } = answerFor(fallback);
      expect(verifyServerAnswer(key, hello.random, answer).status).toBe('ok');
      sizes.add(parseServerFlight(answer).encryptedSizes[0]!);
    }
    expect(sizes.size).toBeGreaterThan(5);
    // the site comes up: the timer's refresh profiles it; then it goes down again: the measured one stays
    port = site.port;
    runs[0]!();
    await store.refresh();
    expect(store.get(DOMAIN).source).toBe('site');
    port = down;
    await store.refresh();
    expect(store.get(DOMAIN).source).toBe('site');
    expect(log.lines.at(-1)!.message).toMatch(/keeping the last one/);
    expect(store.all().map((p) => p.domain)).toEqual([DOMAIN, 'other.example']);
    store.stop();
    expect(runs).toHaveLength(0);
  }, 20_000);

  it('bounds the probe: a silent site times out with a typed error, non-TLS answers are refused', async () => {
    const { createServer } = await import('node:net');
    const silent = createServer(() => {});
    const chatty = createServer((s) => s.end('HTTP/1.1 400 Bad Request\r\n\r\n'));
    await new Promise<void>((r) => silent.listen(0, '127.0.0.1', r));
    await new Promise<void>((r) => chatty.listen(0, '127.0.0.1', r));
    try {
      const port = (s: typeof silent) => (s.address() as { port: number }).port;
      await expect(probeFlight({ host: '127.0.0.1', port: port(silent) }, DOMAIN, { readTimeoutMs: 200 })).rejects.toMatchObject({ code: 'ERR_FRONTING_TIMEOUT' });
      await expect(probeFlight({ host: '127.0.0.1', port: port(chatty) }, DOMAIN, PROBE)).rejects.toMatchObject({ code: 'ERR_FRONTING_NOT_TLS' });
    } finally {
      silent.close();
      chatty.close();
    }
  });

  it('formats a profile for doctor', () => {
    const lines = formatProfile(fallbackProfile(DOMAIN, Date.UTC(2026, 0, 1), 'ERR_FRONTING_CONNECT'));
    expect(lines[0]).toBe('example.com: fallback (ERR_FRONTING_CONNECT), 2026-01-01T00:00:00.000Z');
    expect(lines.join('\n')).toMatch(/suite 1301, extensions 002b,0033/);
    expect(lines.join('\n')).toMatch(/flight +2132\.\.5050 bytes/);
  });
});
