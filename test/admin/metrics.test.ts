/**
 * /metrics after real traffic: a Telegram client (mtcute's MtProxyTcpTransport) relays frames through the
 * proxy to a fake DC, a prober fails a handshake, a blocked address is refused; then the Prometheus text
 * holds every named family with plausible values, and no label carries an IP address or a secret.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mtcuteClient } from '../helpers/clients.js';
import { connectTo, readUntilClose } from '../helpers/net.js';
import { startHarness, type Harness } from './helpers.js';

let h: Harness;
beforeAll(async () => {
  h = await startHarness({ withProxy: true, config: { fronting: { host: '127.0.0.1', port: 9 } } });
}, 20_000);
afterAll(async () => h?.close());

/** `name{labels} value` lines → value by "name{labels}" (labels as printed). */
function samples(text: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const line of text.split('\n')) {
    if (!line || line.startsWith('#')) continue;
    const at = line.lastIndexOf(' ');
    out.set(line.slice(0, at), Number(line.slice(at + 1)));
  }
  return out;
}

describe('GET /metrics', () => {
  it('reports the named families after real proxy traffic, without IP or secret labels', async () => {
    const port = h.testProxy!.port;
    // The relay reports its cipher work on its one-second sweep: listen before the traffic.
    const packetsReported = new Promise((resolve) => h.bus.once('packets', resolve));
    const client = await mtcuteClient(port, h.aliceSecret, { id: 2 });
    try {
      for (const size of [64, 1024, 16_384]) {
        await client.send(new Uint8Array(size).fill(7));
        const echoed = (await client.receive()).length; // ee uses padded intermediate: 0–15 random padding bytes
        expect(echoed).toBeGreaterThanOrEqual(size);
        expect(echoed).toBeLessThan(size + 16);
      }
    } finally {
      await client.close();
    }
    await h.testProxy!.waitFor('connection.closed', (c) => c.user === 'alice');
    await packetsReported;

    const prober = await connectTo(port);
    prober.end(Buffer.alloc(64, 0x41)); // not a handshake
    await readUntilClose(prober);
    await h.testProxy!.waitFor('handshake.failed');

    h.security.blocks.add('127.0.0.1', 'metrics test', { ttlMs: 60_000 });
    const blocked = await connectTo(port);
    await h.testProxy!.waitFor('connection.refused');
    blocked.destroy(); // refused (closed, or fronted to a site that is not there): we only need the count
    h.security.blocks.remove('127.0.0.1');

    // With a token: the per-user series are there (without one they are left out: test/attacks/metrics-user-scrape).
    const res = await h.call('GET', '/metrics', { token: h.tokens.read_only });
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toMatch(/^text\/plain; version=0\.0\.4/);
    const text = res.text;
    const s = samples(text);
    const families = [...text.matchAll(/^# TYPE (\S+) (\S+)$/gm)].map((m) => `${m[1]} ${m[2]}`);
    for (const family of [
      'mtshield_build_info gauge',
      'mtshield_connections_active gauge',
      'mtshield_connections_total counter',
      'mtshield_traffic_bytes_total counter',
      'mtshield_handshakes_total counter',
      'mtshield_handshake_duration_seconds histogram',
      'mtshield_auth_attempts_total counter',
      'mtshield_packets_encrypted_total counter',
      'mtshield_packets_decrypted_total counter',
      'mtshield_connections_blocked_total counter',
      'mtshield_rate_limited_total counter',
      'mtshield_active_threats gauge',
      'mtshield_kernel_info gauge',
    ]) {
      expect(families).toContain(family);
    }
    expect(s.get('mtshield_connections_total{user="alice"}')).toBe(1);
    expect(s.get('mtshield_connections_active{user="alice"}')).toBe(0);
    expect(s.get('mtshield_traffic_bytes_total{user="alice",direction="up"}')).toBeGreaterThan(16_384);
    expect(s.get('mtshield_traffic_bytes_total{user="alice",direction="down"}')).toBeGreaterThan(16_384);
    expect(s.get('mtshield_handshakes_total{result="ok",reason=""}')).toBe(1);
    expect([...s.keys()].some((k) => k.startsWith('mtshield_handshakes_total{result="failed"'))).toBe(true);
    expect(s.get('mtshield_handshake_duration_seconds_count{result="ok"}')).toBe(1);
    expect(s.get('mtshield_packets_encrypted_total')).toBeGreaterThan(0);
    expect(s.get('mtshield_packets_decrypted_total')).toBeGreaterThan(0);
    expect(s.get('mtshield_connections_blocked_total{reason="block"}')).toBe(1);
    expect(s.get('mtshield_active_threats')).toBe(0);
    expect([...s.keys()].filter((k) => k.startsWith('mtshield_kernel_info{algorithm="aes-256-ctr"'))).toHaveLength(1);
    expect([...s.keys()].some((k) => k.startsWith('mtshield_build_info{version="'))).toBe(true);

    // One source of counts: /metrics shows exactly what /api/v1/stats reports for the proxy.
    const stats = (await h.call('GET', '/api/v1/stats', { token: h.tokens.admin })).json as { proxy: { totals: Record<string, number>; by: Record<string, Record<string, number>>; crypto: Record<string, number> } };
    const proxy = stats.proxy;
    expect(s.get('mtshield_connections_accepted_total')).toBe(proxy.totals.accepted);
    expect(s.get('mtshield_handshakes_total{result="ok",reason=""}')).toBe(proxy.totals.handshakesOk);
    for (const [reason, n] of Object.entries(proxy.by.handshakeFailure)) expect(s.get(`mtshield_handshakes_total{result="failed",reason="${reason}"}`)).toBe(n);
    expect(s.get('mtshield_connections_blocked_total{reason="block"}')).toBe(proxy.by.refusedBy.block);
    expect(s.get('mtshield_packets_encrypted_total')).toBe(proxy.crypto.encrypted);
    expect(s.get('mtshield_packets_decrypted_total')).toBe(proxy.crypto.decrypted);

    // Names follow the conventions; labels never hold an address or a secret.
    for (const family of families) {
      const [name, type] = family.split(' ');
      if (type === 'counter') expect(name).toMatch(/_total$/);
    }
    expect(text).not.toMatch(/127\.0\.0\.1|::1/);
    expect(text).not.toContain(h.aliceSecret);
    expect(text).not.toContain(h.aliceSecret.slice(2, 34));
  });
});
