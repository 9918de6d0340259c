/**
 * Blocks, access rules, the blocklist file, geo and anomaly actions over real connections: the real proxy
 * on 127.0.0.1 with the security layer as its gate, real mtcute clients, the fake DC behind.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startFakeDc, type FakeDc } from '../helpers/fake-dc.js';
import { readAtLeast } from '../helpers/net.js';
import { rawAttempt, roundTrip, secrets, sendGarbage, startSecuredProxy, type SecuredProxy } from './helpers/secured-proxy.js';
import { writeCountryMmdb } from './helpers/mmdb.js';
import { buildClientHello } from '../../src/protocol/faketls-client.js';
import { parseSecret } from '../../src/protocol/secrets.js';

let dc: FakeDc;
let dir: string;
let p: SecuredProxy | undefined;

beforeAll(async () => {
  dc = await startFakeDc();
  dir = mkdtempSync(join(tmpdir(), 'mtshield-wire-'));
});
afterAll(async () => {
  await dc?.close();
  rmSync(dir, { recursive: true, force: true });
});
afterEach(async () => {
  await p?.stop();
  p = undefined;
});

describe('blocks over the wire', () => {
  it('a blocked address is closed before any byte; unblocking lets it in', async () => {
    p = await startSecuredProxy(dc);
    expect(await roundTrip(p.proxy.port, secrets.ee)).toBe(true);
    p.layer.blocks.add('127.0.0.0/8', 'test block', { ttl: '10m' });
    const attempt = await rawAttempt(p.proxy.port);
    expect(attempt).toMatchObject({ closed: true });
    expect(attempt.data.length).toBe(0);
    expect(await p.proxy.waitFor('connection.refused', (e) => e.by === 'block')).toBeTruthy();
    expect(await roundTrip(p.proxy.port, secrets.ee)).toBe(false);
    expect(p.layer.counters().refused.block).toBeGreaterThanOrEqual(2);
    p.layer.blocks.remove('127.0.0.0/8');
    expect(await roundTrip(p.proxy.port, secrets.ee)).toBe(true);
  });

  it('a block with a TTL expires (injected clock)', async () => {
    p = await startSecuredProxy(dc);
    p.layer.blocks.add('127.0.0.1', 'short', { ttl: '1m' });
    expect(await roundTrip(p.proxy.port, secrets.ee)).toBe(false);
    p.clock.advance(61_000);
    expect(await roundTrip(p.proxy.port, secrets.ee)).toBe(true);
  });

  it('the blocklist file (FireHOL netset) is applied and re-read when it changes', async () => {
    const file = join(dir, 'level1.netset');
    writeFileSync(file, '# firehol test\n198.51.100.0/24\n127.0.0.1  # us\nnot-an-ip\n');
    p = await startSecuredProxy(dc, { blocklist: { file, poll: '1s' } });
    expect(p.events.find((e) => e.type === 'blocklist.loaded')?.details).toMatchObject({ entries: 2, badLines: [4] });
    expect(await roundTrip(p.proxy.port, secrets.ee)).toBe(false);
    writeFileSync(file, '# firehol test\n198.51.100.0/24\n');
    await p.layer.reloadBlocklist();
    expect(await roundTrip(p.proxy.port, secrets.ee)).toBe(true);
  });

  it('the watcher re-reads a changed blocklist file by itself', async () => {
    const file = join(dir, 'watched.netset');
    writeFileSync(file, '198.51.100.0/24\n');
    p = await startSecuredProxy(dc, { blocklist: { file } });
    expect(await roundTrip(p.proxy.port, secrets.ee)).toBe(true);
    const loads = () => p!.events.filter((e) => e.type === 'blocklist.loaded').length;
    writeFileSync(file, '198.51.100.0/24\n127.0.0.0/8\n');
    for (const start = Date.now(); loads() < 2 && Date.now() - start < 10_000; ) await new Promise((r) => setTimeout(r, 25));
    expect(loads()).toBe(2);
    expect(await roundTrip(p.proxy.port, secrets.ee)).toBe(false);
  });
});

describe('access rules over the wire', () => {
  it('enforce: a global deny refuses at accept', async () => {
    p = await startSecuredProxy(dc, { access: { rules: [{ name: 'no-loopback', action: 'deny', cidr: '127.0.0.0/8' }] } });
    const attempt = await rawAttempt(p.proxy.port);
    expect(attempt.data.length).toBe(0);
    expect((await p.proxy.waitFor('connection.refused')).by).toBe('acl');
    expect(await roundTrip(p.proxy.port, secrets.ee)).toBe(false);
  });

  it('monitor: the same rule lets clients in and counts what it would have done', async () => {
    p = await startSecuredProxy(dc, { access: { rules: [{ name: 'no-loopback', action: 'deny', cidr: '127.0.0.0/8', mode: 'monitor' }] } });
    expect(await roundTrip(p.proxy.port, secrets.ee)).toBe(true);
    expect(p.layer.counters().wouldRefuse.acl).toBe(1);
    expect(p.events.some((e) => e.type === 'policy.would_refuse.acl')).toBe(true);
  });

  it('a per-user rule with a time window refuses that user at identification only in the window', async () => {
    p = await startSecuredProxy(dc, { access: { rules: [{ action: 'deny', user: 'alice', days: ['sat', 'sun'], tz: 'Europe/Berlin' }] } });
    p.clock.set(Date.UTC(2026, 0, 10, 12, 0)); // a Saturday
    expect(await roundTrip(p.proxy.port, secrets.ee)).toBe(false);
    expect((await p.proxy.waitFor('connection.refused')).by).toBe('acl');
    expect(await roundTrip(p.proxy.port, secrets.ee2)).toBe(true); // bob is not covered
    p.clock.set(Date.UTC(2026, 0, 12, 12, 0)); // Monday
    expect(await roundTrip(p.proxy.port, secrets.ee)).toBe(true);
  });
});

describe('geo policy over the wire (a tiny MMDB mapping 127.0.0.0/8 to XA)', () => {
  it('enforce refuses a denied country; monitor counts; a country not denied passes', async () => {
    const database = join(dir, 'country.mmdb');
    writeCountryMmdb(database, [{ cidr: '127.0.0.0/8', country: 'XA' }, { cidr: '203.0.113.0/24', country: 'DE' }]);
    p = await startSecuredProxy(dc, { geo: { database }, policy: { geo: { mode: 'enforce', deny: ['XA'] } } });
    expect(await roundTrip(p.proxy.port, secrets.ee)).toBe(false);
    expect((await p.proxy.waitFor('connection.refused')).by).toBe('geo');
    p.layer.policies.set({ geo: { mode: 'monitor', deny: ['XA'] } }, { actor: 'test' });
    expect(await roundTrip(p.proxy.port, secrets.ee)).toBe(true);
    expect(p.layer.counters().wouldRefuse.geo).toBe(1);
    p.layer.policies.set({ geo: { mode: 'enforce', allow: ['XA', 'DE'] } }, { actor: 'test' });
    expect(await roundTrip(p.proxy.port, secrets.ee)).toBe(true);
    p.layer.policies.set({ geo: { mode: 'enforce', allow: ['DE'] } }, { actor: 'test' });
    expect(await roundTrip(p.proxy.port, secrets.ee)).toBe(false);
  });
});

describe('anomaly actions over the wire', () => {
  it('obfuscated2 headers under many wrong secrets are a scan that ends in a block', async () => {
    p = await startSecuredProxy(dc, {
      policy: { anomaly_actions: { mode: 'enforce', min_severity: 'high', block_ttl: '5m' } },
      anomaly: { wrong_secrets_per_ip: 4, handshake_failures_per_ip: 100 },
    });
    const sockets = [];
    for (let i = 0; i < 4; i++) {
      sockets.push(await sendGarbage(p.proxy.port, randomBytes(64)));
      await p.proxy.waitFor('handshake.failed', () => p!.proxy.events.filter((e) => e.name === 'handshake.failed').length >= i + 1);
    }
    expect(p.proxy.events.filter((e) => e.name === 'handshake.failed').map((e) => (e.data as { reason: string }).reason)).toEqual(['bad_secret', 'bad_secret', 'bad_secret', 'bad_secret']);
    expect(p.layer.threats.activeThreats()[0]).toMatchObject({ type: 'anomaly.secret_scan', action: 'blocked' });
    expect(await roundTrip(p.proxy.port, secrets.ee)).toBe(false);
    for (const socket of sockets) socket.destroy();
  });

  it('a replayed fake-TLS hello is reported, and at the threshold blocks its source', async () => {
    p = await startSecuredProxy(dc, {
      policy: { anomaly_actions: { mode: 'enforce', min_severity: 'high', block_ttl: '5m' } },
      anomaly: { replays_per_ip: 2, handshake_failures_per_ip: 100, wrong_secrets_per_ip: 100 },
    });
    const hello = Buffer.from(buildClientHello(parseSecret(secrets.ee).key, 'example.com', Date.now()).record);
    const sockets = [await sendGarbage(p.proxy.port, hello)]; // the original: a valid hello
    await readAtLeast(sockets[0]!, 5, 5_000); // the ServerHello: the proxy has seen (and remembered) this hello
    sockets.push(await sendGarbage(p.proxy.port, hello));
    await p.proxy.waitFor('replay.detected');
    expect(p.layer.threats.activeThreats()[0]).toMatchObject({ type: 'anomaly.replay', severity: 'medium', action: 'reported' });
    expect(await roundTrip(p.proxy.port, secrets.ee)).toBe(true);
    sockets.push(await sendGarbage(p.proxy.port, hello));
    await p.proxy.waitFor('replay.detected', () => p!.proxy.events.filter((e) => e.name === 'replay.detected').length >= 2);
    expect(p.layer.threats.activeThreats()[0]).toMatchObject({ type: 'anomaly.replay', severity: 'high', action: 'blocked' });
    expect(await roundTrip(p.proxy.port, secrets.ee)).toBe(false);
    for (const socket of sockets) socket.destroy();
  });

  it('a burst of bad handshakes from 127.0.0.1 ends in a block that expires', async () => {
    p = await startSecuredProxy(dc, {
      policy: { anomaly_actions: { mode: 'enforce', min_severity: 'high', block_ttl: '5m' } },
      anomaly: { handshake_failures_per_ip: 5, wrong_secrets_per_ip: 100 },
    });
    const sockets = [];
    for (let i = 0; i < 5; i++) {
      sockets.push(await sendGarbage(p.proxy.port, randomBytes(64)));
      await p.proxy.waitFor('handshake.failed', () => p!.proxy.events.filter((e) => e.name === 'handshake.failed').length >= i + 1);
    }
    for (const socket of sockets) socket.destroy();
    expect(p.layer.threats.activeThreats().map((t) => [t.type, t.action])).toContainEqual(['anomaly.handshake_burst', 'blocked']);
    expect(await roundTrip(p.proxy.port, secrets.ee)).toBe(false);
    expect(p.layer.blocks.list()[0]).toMatchObject({ cidr: '127.0.0.1/32', source: 'anomaly' });
    p.clock.advance(5 * 60_000 + 1);
    expect(await roundTrip(p.proxy.port, secrets.ee)).toBe(true);
  });
});
