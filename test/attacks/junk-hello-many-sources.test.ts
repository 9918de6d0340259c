/**
 * Attack: junk fake-TLS hellos (the right SNI, a key no user has) from 64 source addresses, 127.0.0.2 … 65,
 * against 2000 users of one domain. Each address stays under the per-source throttle's burst, so without a
 * global bound every hello costs an HMAC per user (docs/security.md "Junk hellos"). Key trials are counted
 * by reading each candidate's key (every trial reads it once), not by wall time.
 */
import { randomBytes } from 'node:crypto';
import type { Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildClientHello, verifyServerAnswer } from '../../src/protocol/faketls.js';
import { formatSecret, generateSecret, type ParsedSecret } from '../../src/protocol/secrets.js';
import { SITE_BANNER, startFrontingSite, type FrontingSite } from '../helpers/fronting-site.js';
import { connectTo, readAtLeast } from '../helpers/net.js';
import { startTestProxy, type TestProxy } from '../helpers/proxy.js';

const DOMAIN = 'example.com';
const USERS = 2000;
const SOURCES = 64;
const HELLOS_PER_SOURCE = 4; // under the per-source throttle's burst of 8
/** The defaults of [limits.key_search]. */
const KEYS_PER_SECOND = 4_000;
const BURST_KEYS = 8_000;
const CONCURRENCY = 8;

/** Sends a hello from `localAddress`; true when the proxy answered as fake TLS, false when it was fronted. */
async function hello(port: number, key: Uint8Array, localAddress: string): Promise<boolean> {
  const built = buildClientHello(key, DOMAIN, Date.now());
  const socket: Socket = await connectTo(port, '127.0.0.1', localAddress);
  try {
    socket.write(built.record);
    let answer = Buffer.alloc(0);
    for (;;) {
      answer = Buffer.concat([answer, await readAtLeast(socket, 1)]);
      if (answer.length >= SITE_BANNER.length && answer.subarray(0, SITE_BANNER.length).equals(SITE_BANNER)) return false;
      const result = verifyServerAnswer(key, built.random, answer);
      if (result.status === 'ok') return true;
      if (result.status === 'error') return false;
    }
  } finally {
    socket.destroy();
  }
}

describe('junk hellos from many sources', () => {
  const secrets: ParsedSecret[] = Array.from({ length: USERS }, () => generateSecret('ee', DOMAIN));
  let site: FrontingSite;
  let proxy: TestProxy;
  let trials = 0;
  const securityEvents: string[] = [];

  beforeAll(async () => {
    site = await startFrontingSite();
    proxy = await startTestProxy({
      users: Object.fromEntries(secrets.map((s, i) => [`u${i}`, { secret: formatSecret(s) }])),
      fronting: { host: '127.0.0.1', port: site.port },
      server: { handshake_timeout: '5s' },
      // The detector would block 127.0.0.0/24 half-way: this test is about the key search, not the blocks.
      anomaly: { handshake_failures_per_ip: 1_000_000, handshake_failures_per_subnet: 1_000_000, wrong_secrets_per_ip: 1_000_000 },
    });
    proxy.service.server.bus.on('security.event', (e) => securityEvents.push(e.type));
    // Every key trial reads the candidate's key once: count the reads.
    for (const candidate of proxy.service.server.users.candidates('tls')) {
      const key = candidate.key;
      Object.defineProperty(candidate, 'key', { get: () => (trials++, key) });
    }
  }, 60_000);

  afterAll(async () => {
    await proxy?.stop();
    await site?.close();
  });

  it('an attacker with many source addresses cannot make each junk hello try every key', async () => {
    // Two active users, connected lately from 127.0.0.1.
    expect(await hello(proxy.port, secrets[5]!.key, '127.0.0.1')).toBe(true);
    expect(await hello(proxy.port, secrets[1500]!.key, '127.0.0.1')).toBe(true);

    const junk = SOURCES * HELLOS_PER_SOURCE;
    const before = trials;
    const started = Date.now();
    let next = 0;
    let fronted = 0;
    const flood = Array.from({ length: CONCURRENCY }, async () => {
      while (next < junk) {
        const i = next++;
        if (!(await hello(proxy.port, randomBytes(16), `127.0.0.${2 + (i % SOURCES)}`))) fronted++;
      }
    });
    // During the flood, once the budget is spent: a client of an active user from a new address gets in,
    // and so does a user not active lately from an address that succeeded lately.
    const spent = proxy.waitFor('connection.fronted', (e) => e.reason === 'key_budget', 60_000).catch(() => undefined);
    const flooded = Promise.all(flood);
    await Promise.race([spent, flooded]);
    expect(await hello(proxy.port, secrets[5]!.key, '127.0.0.250')).toBe(true);
    expect(await hello(proxy.port, secrets[900]!.key, '127.0.0.1')).toBe(true);
    await flooded;
    const elapsedS = (Date.now() - started) / 1000;
    const junkTrials = trials - before;

    if (process.env.MTSHIELD_TEST_FIGURES) console.log({ junk, junkTrials, elapsedS, perHello: junkTrials / junk });
    expect(fronted).toBe(junk);
    // Full searches fit the budget: its burst, what it forgives while the flood lasts, the searches in flight
    // when it ran out, and the hot keys of each limited search; the honest clients' searches on top.
    const bound = BURST_KEYS + KEYS_PER_SECOND * elapsedS + CONCURRENCY * USERS + junk * 64 + 2 * USERS;
    expect(junkTrials).toBeLessThan(bound);
    expect(junkTrials).toBeLessThan((junk * USERS) / 2);
    expect(proxy.service.server.stats().by.handshakeFailure['key_budget'] ?? 0).toBeGreaterThan(0);
    // One event for the spent budget, not one per limited search.
    expect(securityEvents.filter((t) => t === 'handshake.key_budget_exhausted')).toHaveLength(1);
  }, 120_000);
});
