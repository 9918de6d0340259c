/**
 * What a junk hello may cost (issue: a hello with the right SNI and a wrong key cost more the more users there
 * were): only the keys of the hello's domain are tried, the hello is capped near what real clients send, and a
 * source that keeps failing is fronted before any key is tried.
 */
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildClientHello, verifyClientHello } from '../../src/protocol/faketls.js';
import { buildClientHeader } from '../../src/protocol/obfuscated2.js';
import { formatSecret, generateSecret } from '../../src/protocol/secrets.js';
import { Handshake, type HandshakeOptions } from '../../src/proxy/handshake.js';
import { MAX_CLIENT_HELLO_BYTES } from '../../src/proxy/handshake-tls.js';
import { SourceThrottle, sourceKey } from '../../src/proxy/source-throttle.js';
import { UserDirectory, type UserCandidate } from '../../src/proxy/users.js';
import { MemoryUsageStore } from '../../src/proxy/usage-store.js';
import { SITE_BANNER, startFrontingSite, type FrontingSite } from '../helpers/fronting-site.js';
import { readAtLeast } from '../helpers/net.js';
import { startTestProxy, type TestProxy } from '../helpers/proxy.js';
import { fakeTlsClient, sendHello } from '../helpers/raw-client.js';

const NOW = Date.UTC(2026, 10, 28, 12, 0, 0);
const rnd = (n: number) => new Uint8Array(randomBytes(n));

describe('SNI first', () => {
  it('tries only the keys of the hello’s domain (a key of another domain is never touched)', () => {
    const key = rnd(16);
    // A 3-byte key would throw if it were tried: the other domain's candidates must be skipped.
    const broken = { user: 'other', key: rnd(3), domain: 'other.example' };
    const candidates = [broken, broken, { user: 'alice', key, domain: 'Example.com' }, broken];
    const hello = buildClientHello(key, 'example.com', NOW);
    expect(verifyClientHello(hello.record, candidates, NOW)).toMatchObject({ ok: true, user: 'alice', index: 2 });
    const junk = buildClientHello(rnd(16), 'example.com', NOW);
    expect(verifyClientHello(junk.record, candidates, NOW)).toEqual({ ok: false, reason: 'bad_hmac' });
    const elsewhere = buildClientHello(key, 'nobody.example', NOW);
    expect(verifyClientHello(elsewhere.record, candidates, NOW)).toEqual({ ok: false, reason: 'bad_sni' });
  });

  it('the directory indexes fake-TLS keys by domain, case-insensitive, and follows changes', () => {
    const users = new UserDirectory(new MemoryUsageStore());
    const a = generateSecret('ee', 'a.example');
    const b = generateSecret('ee', 'B.example');
    users.replaceAll([
      { name: 'a1', secret: formatSecret(a) },
      { name: 'a2', secret: formatSecret(generateSecret('ee', 'a.example')) },
      { name: 'b', secret: formatSecret(b) },
      { name: 'dd', secret: formatSecret(generateSecret('dd')) },
    ]);
    const names = (sni: string | undefined) => users.tlsCandidates(sni).map((c) => c.user.name);
    expect(names('a.example')).toEqual(['a1', 'a2']);
    expect(names('A.EXAMPLE')).toEqual(['a1', 'a2']);
    expect(names('b.example')).toEqual(['b']);
    expect(names('c.example')).toEqual([]);
    expect(names(undefined)).toEqual([]);
    users.rotate('b', formatSecret(generateSecret('ee', 'a.example')), 60_000);
    expect(names('a.example')).toEqual(['a1', 'a2', 'b']);
    expect(names('b.example')).toEqual(['b']); // the old key, in its grace period
    users.remove('a2');
    expect(names('a.example')).toEqual(['a1', 'b', 'a2']); // tombstones last
  });
});

/** Handshake options over a fixed list whose key lookups are counted. */
function counted(candidates: UserCandidate[], throttle?: SourceThrottle, now = () => NOW) {
  const calls = { tls: 0, o2: 0 };
  const options: HandshakeOptions = {
    candidates: (t) => {
      if (t === 'tls') calls.tls++;
      else calls.o2++;
      return candidates.filter((c) => (t === 'tls') === (c.domain !== undefined));
    },
    throttle,
    allowModes: ['plain', 'dd', 'ee'],
    maxSkewMs: 120_000,
    now,
  };
  return { options, calls };
}

describe('hello size cap', () => {
  it('a hello of a modern browser’s size is read; one past the cap fails as oversized at its header', () => {
    const users = new UserDirectory(new MemoryUsageStore());
    const secret = generateSecret('ee', 'example.com');
    users.replaceAll([{ name: 'alice', secret: formatSecret(secret) }]);
    const hello = buildClientHello(secret.key, 'example.com', NOW);
    expect(hello.record.length).toBeGreaterThan(1500);
    expect(hello.record.length).toBeLessThan(MAX_CLIENT_HELLO_BYTES);
    const ok = new Handshake(counted(users.candidates() as UserCandidate[]).options).feed(hello.record);
    expect(ok).toMatchObject({ kind: 'identified' });
    // A first record holding only the handshake header, announcing one byte more than the cap: decided at once.
    const body = MAX_CLIENT_HELLO_BYTES + 1;
    const head = Uint8Array.of(0x16, 0x03, 0x01, 0x00, 0x04, 0x01, body >> 16, (body >> 8) & 0xff, body & 0xff);
    const { options, calls } = counted(users.candidates() as UserCandidate[]);
    expect(new Handshake(options).feed(head)).toEqual({ kind: 'fail', reason: 'oversized', mode: 'ee' });
    expect(calls.tls).toBe(0);
  });
});

describe('source throttle', () => {
  it('lets a burst of failures through, then throttles until failures are forgiven', () => {
    const t = new SourceThrottle({ burst: 3, intervalMs: 1000, minKeys: 0 });
    for (let i = 0; i < 3; i++) {
      expect(t.throttled('192.0.2.1', 100, 0)).toBe(false);
      t.failed('192.0.2.1', 100, 0);
    }
    expect(t.throttled('192.0.2.1', 100, 0)).toBe(true);
    expect(t.throttled('192.0.2.2', 100, 0)).toBe(false); // another source
    // Past the burst, one failure per interval.
    t.failed('192.0.2.1', 100, 1);
    expect(t.throttled('192.0.2.1', 100, 999)).toBe(true);
    expect(t.throttled('192.0.2.1', 100, 1001)).toBe(false);
    t.failed('192.0.2.1', 100, 1001);
    expect(t.throttled('192.0.2.1', 100, 1001)).toBe(true);
  });

  it('never throttles nor counts a search over few keys (cheaper than fronting; an honest neighbour would pay)', () => {
    const t = new SourceThrottle({ burst: 1, intervalMs: 60_000, minKeys: 32 });
    for (let i = 0; i < 100; i++) t.failed('192.0.2.1', 32, 0);
    expect(t.size).toBe(0);
    expect(t.throttled('192.0.2.1', 32, 0)).toBe(false);
    t.failed('192.0.2.1', 33, 0);
    expect(t.throttled('192.0.2.1', 33, 0)).toBe(true);
    expect(t.throttled('192.0.2.1', 32, 0)).toBe(false);
  });

  it('keys IPv6 sources by /64', () => {
    expect(sourceKey('2001:db8:1:2::1')).toBe(sourceKey('2001:db8:1:2:ffff:eeee:dddd:cccc'));
    expect(sourceKey('2001:db8:1:2::1')).not.toBe(sourceKey('2001:db8:1:3::1'));
    expect(sourceKey('2001:DB8:0001:2::1')).toBe('2001:db8:1:2::/64');
    expect(sourceKey('::1')).toBe('0:0:0:0::/64');
    expect(sourceKey('203.0.113.9')).toBe('203.0.113.9');
    const t = new SourceThrottle({ burst: 1, intervalMs: 1000, minKeys: 0 });
    t.failed('2001:db8:1:2::1', 100, 0);
    expect(t.throttled('2001:db8:1:2::99', 100, 0)).toBe(true);
  });

  it('remembers a bounded number of sources, and prune forgets the forgiven', () => {
    const t = new SourceThrottle({ burst: 1, intervalMs: 1000, maxSources: 100, minKeys: 0 });
    for (let i = 0; i < 1000; i++) t.failed(`10.0.${i >> 8}.${i & 255}`, 100, 0);
    expect(t.size).toBe(100);
    expect(t.throttled('10.0.3.231', 100, 0)).toBe(true); // the latest are kept
    expect(t.throttled('10.0.0.0', 100, 0)).toBe(false); // the oldest went first
    t.prune(500);
    expect(t.size).toBe(100);
    t.prune(1000);
    expect(t.size).toBe(0);
  });

  it('a throttled source’s hello and header fail as throttled without trying any key', () => {
    const ee = generateSecret('ee', 'example.com');
    const dd = generateSecret('dd');
    const users = new UserDirectory(new MemoryUsageStore());
    users.replaceAll([{ name: 'ee', secret: formatSecret(ee) }, { name: 'dd', secret: formatSecret(dd) }]);
    const real = users.candidates() as UserCandidate[];
    // Once `poisoned`, every list also holds keys of a wrong length, which throw if they are tried.
    let poisoned = false;
    const broken = (domain?: string): UserCandidate => ({ user: real[0]!.user, key: rnd(3), domain });
    const throttle = new SourceThrottle({ burst: 2, intervalMs: 60_000, minKeys: 0 });
    const options: HandshakeOptions = {
      candidates: (t) => {
        const list = real.filter((c) => (t === 'tls') === (c.domain !== undefined));
        return poisoned ? [...list, broken(t === 'tls' ? 'example.com' : undefined)] : list;
      },
      throttle,
      allowModes: ['plain', 'dd', 'ee'],
      maxSkewMs: 120_000,
      now: () => NOW,
    };
    const junkTls = () => new Handshake(options, '198.51.100.7').feed(buildClientHello(rnd(16), 'example.com', NOW).record);
    const junkO2 = () => new Handshake(options, '198.51.100.7').feed(buildClientHeader(rnd(16), 'padded', 2).header);
    // A hello for a name no user has tries no key and is not charged.
    const otherName = () => new Handshake(options, '198.51.100.7').feed(buildClientHello(rnd(16), 'other.example', NOW).record);
    for (let i = 0; i < 5; i++) expect(otherName()).toMatchObject({ kind: 'fail', reason: 'bad_sni' });
    expect(junkTls()).toMatchObject({ kind: 'fail', reason: 'bad_hmac' });
    expect(junkO2()).toMatchObject({ kind: 'fail', reason: 'bad_secret' });
    poisoned = true;
    expect(() => new Handshake(options, '198.51.100.8').feed(buildClientHello(rnd(16), 'example.com', NOW).record)).toThrow();
    expect(junkTls()).toMatchObject({ kind: 'fail', reason: 'throttled' });
    expect(junkO2()).toMatchObject({ kind: 'fail', reason: 'throttled' });
    poisoned = false;
    // Another source still gets its keys tried, and a good hello from it goes through.
    const good = new Handshake(options, '198.51.100.8').feed(buildClientHello(ee.key, 'example.com', NOW).record);
    expect(good).toMatchObject({ kind: 'identified' });
  });
});

describe('junk hellos against a running proxy', () => {
  const DOMAIN = 'example.com';
  const ee = generateSecret('ee', DOMAIN);
  let site: FrontingSite;
  let proxy: TestProxy;

  beforeAll(async () => {
    site = await startFrontingSite();
    proxy = await startTestProxy({
      // More keys for the domain than SourceThrottle's minKeys, so that a failed search counts.
      users: Object.fromEntries([
        ['alice', { secret: formatSecret(ee) }],
        ...Array.from({ length: 40 }, (_, i) => [`u${i}`, { secret: formatSecret(generateSecret('ee', DOMAIN)) }]),
      ]),
      fronting: { host: '127.0.0.1', port: site.port },
      server: { handshake_timeout: '2s' },
    });
  });

  afterAll(async () => {
    await proxy?.stop();
    await site?.close();
  });

  it('a source that keeps sending junk hellos is throttled, and still fronted byte-exact', async () => {
    const reasons: string[] = [];
    for (let i = 0; i < 12; i++) {
      const { socket, wire } = await sendHello(proxy.port, rnd(16), DOMAIN);
      const banner = await readAtLeast(socket, SITE_BANNER.length);
      expect(banner.equals(SITE_BANNER)).toBe(true);
      await site.waitForExactly(wire);
      const port = socket.localPort!;
      socket.destroy();
      const fronted = await proxy.waitFor('connection.fronted', (e) => e.remotePort === port);
      reasons.push(fronted.reason);
    }
    expect(reasons.slice(0, 8).every((r) => r === 'bad_hmac')).toBe(true);
    expect(reasons.slice(-2)).toEqual(['throttled', 'throttled']);
    // A client of the throttled address with the right key is fronted too: the price of a shared address.
    await expect(fakeTlsClient(proxy.port, ee.key, DOMAIN)).rejects.toThrow();
  });
});
