/**
 * Timeouts and fast mode, end to end on 127.0.0.1: `server.idle_timeout` on relayed connections,
 * `server.connect_timeout` against a DC address that never answers a SYN, the `dc.connected` event, and
 * `server.fast_mode` passing the DC's bytes to the client untouched (and re-encrypting them when off).
 */
import type { Socket } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { FramingKind } from '../../src/protocol/framing.js';
import { formatSecret, generateSecret } from '../../src/protocol/secrets.js';
import { startBlackhole, type Blackhole } from '../helpers/blackhole.js';
import { startFakeDc, type FakeDc } from '../helpers/fake-dc.js';
import { readUntilClose, waitForPeerClose } from '../helpers/net.js';
import { startTestProxy, type TestProxy } from '../helpers/proxy.js';
import { fakeTlsClient, obfuscatedClient, type RawClient } from '../helpers/raw-client.js';

const ee = generateSecret('ee', 'example.com');
const dd = generateSecret('dd');
const plain = generateSecret('plain');
const users = { e: { secret: formatSecret(ee) }, d: { secret: formatSecret(dd) }, p: { secret: formatSecret(plain) } };
const cleanups: (() => Promise<void> | void)[] = [];

afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** `size` bytes (a multiple of 4: every framing takes whole words) of a pattern seeded by `seed`. */
function payload(size: number, seed: number): Uint8Array {
  return new Uint8Array(size).map((_, i) => (i * 31 + seed) & 0xff);
}

async function fakeDc(options: Parameters<typeof startFakeDc>[0] = {}): Promise<FakeDc> {
  const dc = await startFakeDc(options);
  cleanups.push(() => dc.close());
  return dc;
}

async function proxyWith(input: Record<string, any>): Promise<TestProxy> {
  const proxy = await startTestProxy({ users, ...input });
  cleanups.push(() => proxy.stop());
  return proxy;
}

function track<T extends { socket: Socket }>(client: T): T {
  client.socket.on('error', () => {}); // a write racing a proxy-side close (EPIPE) is not the failure to report
  cleanups.push(() => void client.socket.destroy());
  return client;
}

/** Sends one frame and expects it echoed by the fake DC (so the connection is relayed end to end). */
async function roundTrip(client: RawClient, size: number, seed: number): Promise<void> {
  const sent = payload(size, seed);
  client.send(sent);
  expect(Buffer.from(await client.receive(5000)).equals(Buffer.from(sent))).toBe(true);
}

describe('idle timeout', () => {
  it('closes a silent relayed connection with reason idle; one that keeps sending stays open', { timeout: 20_000 }, async () => {
    const dc = await fakeDc();
    const proxy = await proxyWith({ server: { idle_timeout: '800ms' }, upstream: { dc: { '2': [`127.0.0.1:${dc.port}`] } } });
    const silent = track(await obfuscatedClient(proxy.port, dd.key));
    const busy = track(await obfuscatedClient(proxy.port, dd.key));
    // Both are relayed: handshake done, DC connected, bytes both ways.
    await roundTrip(silent, 64, 1);
    await roundTrip(busy, 64, 2);
    const silentPort = silent.socket.localPort!;
    const busyPort = busy.socket.localPort!;
    await proxy.waitFor('dc.connected', (e) => e.remotePort === silentPort, 2000);
    await proxy.waitFor('dc.connected', (e) => e.remotePort === busyPort, 2000);
    let busyClosed = false;
    busy.socket.once('end', () => (busyClosed = true));
    busy.socket.once('close', () => (busyClosed = true));

    // The busy client sends a frame every 100 ms (an eighth of the idle timeout, so only a stall of the
    // whole process for 700 ms could make it look idle); the DC echoes each.
    const ticker = setInterval(() => busy.send(payload(16, 3)), 100);
    try {
      // The idle check runs on the server's once-a-second sweep, so "past the timeout" means within ~1.8 s.
      const closed = await proxy.waitFor('connection.closed', (e) => e.remotePort === silentPort, 5000);
      expect(closed.reason).toBe('idle');
      expect(closed.user).toBe('d');
      expect(await waitForPeerClose(silent.socket, 2000)).toBe(true);
      // Two more sweeps with the busy client still talking: each would have closed it were it judged idle.
      await sleep(2200);
    } finally {
      clearInterval(ticker);
    }
    expect(busyClosed).toBe(false);
    expect(proxy.events.some((e) => e.name === 'connection.closed' && e.data.remotePort === busyPort)).toBe(false);
    // Still relaying: a last, distinct frame comes back after the echoes of the ticks.
    const last = payload(48, 9);
    busy.send(last);
    let echoed: Uint8Array | undefined;
    for (let i = 0; i < 100 && echoed?.length !== last.length; i++) echoed = await busy.receive(2000);
    expect(Buffer.from(echoed!).equals(Buffer.from(last))).toBe(true);

    // Once it falls silent too, the same timeout closes it.
    const busyClose = await proxy.waitFor('connection.closed', (e) => e.remotePort === busyPort, 5000);
    expect(busyClose.reason).toBe('idle');
    expect(await waitForPeerClose(busy.socket, 2000)).toBe(true);
  });
});

describe('DC connect timeout', () => {
  let hole: Blackhole | undefined;
  beforeAll(async () => {
    hole = await startBlackhole({ lifetimeMs: 25_000 });
  }, 15_000);
  afterAll(() => {
    hole?.close();
    hole = undefined;
  });

  it('gives up on a DC that answers no SYN after server.connect_timeout: dc.failed (timeout), client closed; others unaffected', { timeout: 20_000 }, async () => {
    const dc = await fakeDc();
    const dead = `127.0.0.1:${hole!.port}`;
    const proxy = await proxyWith({
      server: { connect_timeout: '1500ms' },
      upstream: { dc: { '2': [dead], '4': [`127.0.0.1:${dc.port}`] } },
    });

    const started = Date.now();
    const stuck = track(await obfuscatedClient(proxy.port, dd.key, { dc: 2 }));
    const stuckPort = stuck.socket.localPort!;
    stuck.send(payload(32, 4));
    const stuckEnd = readUntilClose(stuck.socket, 8000);
    await proxy.waitFor('handshake.ok', (e) => e.remotePort === stuckPort, 3000);

    // While that dial hangs, a client of another DC is served (dials do not wait for each other).
    const other = track(await obfuscatedClient(proxy.port, dd.key, { dc: 4 }));
    await roundTrip(other, 1024, 5);
    expect(proxy.events.some((e) => e.name === 'dc.failed' && e.data.remotePort === stuckPort)).toBe(false);

    const failed = await proxy.waitFor('dc.failed', (e) => e.remotePort === stuckPort, 8000);
    expect(failed.user).toBe('d');
    expect(failed.dc).toBe(2);
    expect(failed.upstream).toBe(dead);
    expect(failed.error).toMatch(/timed out after 1500 ms/);
    const closed = await proxy.waitFor('connection.closed', (e) => e.remotePort === stuckPort, 3000);
    expect(closed.reason).toBe('dc_failed');
    const end = await stuckEnd;
    expect(end.closed).toBe(true);
    expect(end.data.length).toBe(0); // nothing came back but the close
    // The timer, not an error, ended the dial: it cannot have been before the configured timeout.
    expect(Date.now() - started).toBeGreaterThanOrEqual(1500);
    expect(proxy.events.some((e) => e.name === 'dc.connected' && e.data.remotePort === stuckPort)).toBe(false);

    // The other client is still relayed, and new clients of the working DC are too.
    await roundTrip(other, 2048, 6);
    const late = track(await obfuscatedClient(proxy.port, plain.key, { dc: 4, kind: 'intermediate' }));
    await roundTrip(late, 256, 7);
  });
});

describe('dc.connected', () => {
  it('is emitted once per relayed connection with the user, the DC id and the upstream host:port', { timeout: 20_000 }, async () => {
    const dc2 = await fakeDc();
    const dc4 = await fakeDc();
    const proxy = await proxyWith({ upstream: { dc: { '2': [`127.0.0.1:${dc2.port}`], '4': [`127.0.0.1:${dc4.port}`] } } });
    const plans: { user: string; dc: number; connect: () => Promise<RawClient> }[] = [
      { user: 'd', dc: 2, connect: () => obfuscatedClient(proxy.port, dd.key, { dc: 2 }) },
      { user: 'p', dc: 4, connect: () => obfuscatedClient(proxy.port, plain.key, { dc: 4, kind: 'abridged' }) },
      { user: 'e', dc: 4, connect: () => fakeTlsClient(proxy.port, ee.key, 'example.com', { dc: 4 }) },
      { user: 'd', dc: 2, connect: () => obfuscatedClient(proxy.port, dd.key, { dc: 2 }) },
    ];
    const clients: { client: RawClient; port: number; user: string; dc: number }[] = [];
    for (const [i, plan] of plans.entries()) {
      const client = track(await plan.connect());
      await roundTrip(client, 128, 10 + i);
      clients.push({ client, port: client.socket.localPort!, user: plan.user, dc: plan.dc });
    }
    const labels: Record<number, string> = { 2: `127.0.0.1:${dc2.port}`, 4: `127.0.0.1:${dc4.port}` };
    for (const c of clients) {
      const ok = proxy.events.findIndex((e) => e.name === 'handshake.ok' && e.data.remotePort === c.port);
      const connected = proxy.events.flatMap((e, at) => (e.name === 'dc.connected' && e.data.remotePort === c.port ? [{ at, data: e.data }] : []));
      expect(connected).toHaveLength(1);
      const event = connected[0]!;
      expect(event.at).toBeGreaterThan(ok); // after the handshake, for the same connection
      expect(event.data.id).toBe((proxy.events[ok]!.data as { id: number }).id);
      expect(event.data.user).toBe(c.user);
      expect(event.data.dc).toBe(c.dc);
      expect(event.data.upstream).toBe(labels[c.dc]);
      expect(event.data.connectMs).toBeGreaterThanOrEqual(0);
    }
    expect(dc2.connections.length).toBe(2);
    expect(dc4.connections.length).toBe(2);

    // Closing does not report it again.
    for (const c of clients) c.client.socket.destroy();
    for (const c of clients) await proxy.waitFor('connection.closed', (e) => e.remotePort === c.port, 3000);
    expect(proxy.events.filter((e) => e.name === 'dc.connected')).toHaveLength(clients.length);
  });
});

describe('fast mode', () => {
  const cases: { name: string; key: Uint8Array; kind: FramingKind }[] = [
    { name: 'plain', key: plain.key, kind: 'intermediate' },
    { name: 'dd', key: dd.key, kind: 'padded' },
  ];
  for (const fast of [true, false]) {
    it(`fast_mode = ${fast}: DC→client bytes ${fast ? 'pass unchanged' : 'are re-encrypted'}; the client reads the right plaintext`, { timeout: 20_000 }, async () => {
      const dc = await fakeDc({ recordWritten: true });
      const proxy = await proxyWith({ server: { fast_mode: fast }, upstream: { dc: { '2': [`127.0.0.1:${dc.port}`] } } });
      for (const [i, c] of cases.entries()) {
        const client = track(await obfuscatedClient(proxy.port, c.key, { kind: c.kind }));
        const raw: Buffer[] = [];
        client.socket.on('data', (chunk: Buffer) => raw.push(Buffer.from(chunk)));
        // Two frames, the first larger than one socket read, so several chunks go through each side.
        await roundTrip(client, 100_000, 20 + i);
        await roundTrip(client, 4096, 30 + i);
        expect(dc.connections).toHaveLength(i + 1);
        const written = Buffer.concat(dc.connections[i]!.written);
        const received = Buffer.concat(raw);
        expect(written.length).toBeGreaterThanOrEqual(100_000 + 4096);
        expect(received.length).toBe(written.length);
        if (fast) expect(received.equals(written), `${c.name}: client bytes differ from the DC's`).toBe(true);
        else expect(received.equals(written), `${c.name}: client got the DC's own ciphertext`).toBe(false);
        client.socket.destroy();
      }
    });
  }
});
