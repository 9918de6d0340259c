/**
 * The anomaly detector on scripted attack patterns, fed through the real event bus with a manual clock:
 * a handshake-failure burst (one IP and one /24), a replay, a secret scan, a shared secret, traffic and
 * connection spikes over an EWMA baseline. In enforce mode each blockable finding ends in a block that
 * expires; in monitor mode the same finding is only reported.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { HandshakeFailureReason } from '../../src/events.js';
import { conn, startLayer, type TestLayer } from './helpers/layer.js';

let t: TestLayer | undefined;
afterEach(async () => {
  await t?.close();
  t = undefined;
});

const enforce = { anomaly_actions: { mode: 'enforce', min_severity: 'high', block_ttl: '10m' } };

function fail(layer: TestLayer, ip: string, reason: HandshakeFailureReason, times: number) {
  for (let i = 0; i < times; i++) {
    layer.bus.emit('handshake.failed', { ...conn(ip), reason, durationMs: 3 });
    layer.clock.advance(100);
  }
}

describe('anomaly detector', () => {
  it('a handshake-failure burst from one IP ends in a block that expires', async () => {
    t = await startLayer({ policy: enforce, anomaly: { handshake_failures_per_ip: 10, threat_ttl: '5m' } });
    fail(t, '203.0.113.50', 'protocol', 9);
    expect(t.layer.threats.activeThreats()).toHaveLength(0);
    expect(await t.layer.gate.onAccept(conn('203.0.113.50'))).toEqual({ allow: true });
    fail(t, '203.0.113.50', 'timeout', 1);
    const [threat] = t.layer.threats.activeThreats();
    expect(threat).toMatchObject({ type: 'anomaly.handshake_burst', severity: 'high', subject: { kind: 'ip', value: '203.0.113.50' }, action: 'blocked' });
    expect(await t.layer.gate.onAccept(conn('203.0.113.50'))).toMatchObject({ allow: false, by: 'block' });
    expect(await t.layer.gate.onAccept(conn('203.0.113.51'))).toEqual({ allow: true });
    expect(t.layer.blocks.list()[0]).toMatchObject({ cidr: '203.0.113.50/32', source: 'anomaly' });
    expect(t.events.find((e) => e.type === 'anomaly.handshake_burst')?.severity).toBe('high');

    t.clock.advance(10 * 60_000 + 1);
    expect(await t.layer.gate.onAccept(conn('203.0.113.50'))).toEqual({ allow: true });
    expect(t.layer.blocks.list()).toHaveLength(0);
    expect(t.events.some((e) => e.type === 'block.expired' && e.ip === '203.0.113.50/32')).toBe(true);
    expect(t.layer.threats.activeThreats()).toHaveLength(0); // threat_ttl (5 min) passed too
  });

  it('a burst spread over one /24 blocks the subnet', async () => {
    t = await startLayer({ policy: enforce, anomaly: { handshake_failures_per_ip: 50, handshake_failures_per_subnet: 20 } });
    for (let host = 1; host <= 20; host++) fail(t, `198.51.100.${host}`, 'protocol', 1);
    expect(t.layer.threats.activeThreats()[0]).toMatchObject({ type: 'anomaly.subnet_burst', subject: { kind: 'cidr', value: '198.51.100.0/24' }, action: 'blocked' });
    expect(await t.layer.gate.onAccept(conn('198.51.100.200'))).toMatchObject({ allow: false, by: 'block' });
    expect(await t.layer.gate.onAccept(conn('198.51.101.1'))).toEqual({ allow: true });
  });

  it('IPv6 sources aggregate by /64', async () => {
    t = await startLayer({ policy: enforce, anomaly: { handshake_failures_per_ip: 50, handshake_failures_per_subnet: 5, subnet_min_sources: 5 } });
    for (let host = 1; host <= 5; host++) fail(t, `2001:db8:5:6::${host}`, 'protocol', 1);
    expect(t.layer.threats.activeThreats()[0]?.subject.value).toBe('2001:db8:5:6::/64');
    expect(await t.layer.gate.onAccept(conn('2001:db8:5:6:ffff::1'))).toMatchObject({ allow: false, by: 'block' });
  });

  it('a replay is reported at once (medium) and escalates to a block at the threshold', async () => {
    t = await startLayer({ policy: enforce, anomaly: { replays_per_ip: 2 } });
    const first = conn('192.0.2.77');
    t.bus.emit('replay.detected', { ...first, kind: 'tls' });
    t.bus.emit('handshake.failed', { ...first, reason: 'replay', durationMs: 1 }); // the same replay: counted once
    expect(t.layer.threats.activeThreats()[0]).toMatchObject({ type: 'anomaly.replay', severity: 'medium', action: 'reported' });
    expect(t.layer.blocks.list()).toHaveLength(0);
    t.bus.emit('replay.detected', { ...conn('192.0.2.77'), kind: 'obfuscated2' });
    expect(t.layer.threats.activeThreats()[0]).toMatchObject({ type: 'anomaly.replay', severity: 'high', action: 'blocked' });
    expect(t.layer.blocks.match('192.0.2.77')?.source).toBe('anomaly');
  });

  it('many wrong secrets from one source is a scan', async () => {
    t = await startLayer({ policy: enforce, anomaly: { wrong_secrets_per_ip: 6, handshake_failures_per_ip: 100 } });
    fail(t, '192.0.2.9', 'bad_secret', 6);
    expect(t.layer.threats.activeThreats()[0]).toMatchObject({ type: 'anomaly.secret_scan', severity: 'high', action: 'blocked' });
  });

  it('failures spread beyond the window do not add up', async () => {
    t = await startLayer({ policy: enforce, anomaly: { handshake_failures_per_ip: 5, window: '10s' } });
    for (let i = 0; i < 12; i++) {
      t.bus.emit('handshake.failed', { ...conn('192.0.2.10'), reason: 'protocol', durationMs: 1 });
      t.clock.advance(3_000);
    }
    expect(t.layer.threats.activeThreats()).toHaveLength(0);
  });

  it('monitor mode: the same burst is reported as would_block and nothing is blocked', async () => {
    t = await startLayer({ anomaly: { handshake_failures_per_ip: 5 } });
    fail(t, '203.0.113.60', 'protocol', 5);
    expect(t.layer.threats.activeThreats()[0]).toMatchObject({ type: 'anomaly.handshake_burst', action: 'would_block' });
    expect(t.layer.blocks.list()).toHaveLength(0);
    expect(await t.layer.gate.onAccept(conn('203.0.113.60'))).toEqual({ allow: true });
  });

  it('one secret from many addresses is a shared key (reported, never an IP block)', async () => {
    t = await startLayer({ policy: enforce, anomaly: { shared_secret_ips: 8 } });
    for (let host = 1; host <= 8; host++) {
      t.bus.emit('handshake.ok', { ...conn(`100.64.${host}.1`), user: 'alice', mode: 'ee', dc: 2, framing: 'padded', durationMs: 5 });
    }
    t.bus.emit('handshake.ok', { ...conn('100.64.99.1'), user: 'bob', mode: 'ee', dc: 2, framing: 'padded', durationMs: 5 });
    const threats = t.layer.threats.activeThreats();
    expect(threats).toHaveLength(1);
    expect(threats[0]).toMatchObject({ type: 'anomaly.shared_secret', severity: 'medium', subject: { kind: 'user', value: 'alice' }, action: 'reported' });
    expect(t.events.find((e) => e.type === 'anomaly.shared_secret')?.user).toBe('alice');
    expect(t.layer.blocks.list()).toHaveLength(0);
  });

  it('traffic far above a user\'s own baseline is a spike; steady traffic is not', async () => {
    t = await startLayer({ anomaly: { baseline_warmup: 5, baseline_factor: 5, baseline_min_bytes: '1MiB' } });
    const bytes = (user: string, n: number) => t!.bus.emit('bytes', { ...conn('100.64.0.1'), user, fromClient: n / 2, toClient: n / 2 });
    for (let i = 0; i < 8; i++) {
      bytes('alice', 2_000_000 + (i % 3) * 100_000);
      bytes('heavy', 50_000_000);
      t.layer.threats.tick();
    }
    expect(t.layer.threats.activeThreats()).toHaveLength(0);
    bytes('alice', 30_000_000); // ~14× her baseline
    bytes('heavy', 60_000_000); // 1.2× its own: normal for that user
    t.layer.threats.tick();
    const threats = t.layer.threats.activeThreats();
    expect(threats.map((x) => [x.type, x.subject.value])).toEqual([['anomaly.traffic_spike', 'alice']]);
  });

  it('a jump in new connections over the baseline is a connection spike', async () => {
    t = await startLayer({ anomaly: { baseline_warmup: 4, baseline_factor: 4, baseline_min_connections: 10 } });
    const open = (n: number) => {
      for (let i = 0; i < n; i++) t!.bus.emit('handshake.ok', { ...conn('100.64.0.2'), user: 'carol', mode: 'ee', dc: 2, framing: 'padded', durationMs: 1 });
    };
    for (let i = 0; i < 6; i++) {
      open(3);
      t.layer.threats.tick();
    }
    open(40);
    t.layer.threats.tick();
    expect(t.layer.threats.activeThreats()[0]).toMatchObject({ type: 'anomaly.connection_spike', subject: { value: 'carol' } });
  });
});
