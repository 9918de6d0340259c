/**
 * Attack: scraping user names from /metrics. /metrics needs no token (Prometheus scrapers), so any local
 * process could list the proxy's users from the per-user series; those appear only with a token or when the
 * operator opts in (`[admin] metrics_user_labels = true`).
 */
import { afterEach, describe, expect, it } from 'vitest';
import { startHarness, type Harness } from '../admin/helpers.js';

let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

/** A client that completed its handshake as `user` and relayed some bytes, as the proxy reports it. */
function trafficOf(harness: Harness, user: string): void {
  const bus = harness.bus as unknown as { emit(event: string, payload: object): void };
  bus.emit('connection.accepted', { id: 7, ip: '127.0.0.1' });
  bus.emit('handshake.ok', { id: 7, ip: '127.0.0.1', user, mode: 'ee', dc: 2, framing: 'intermediate', durationMs: 3 });
  bus.emit('bytes', { id: 7, ip: '127.0.0.1', user, fromClient: 100, toClient: 200 });
}

describe('user names in /metrics', () => {
  it('an unauthenticated scraper cannot read user names from /metrics', async () => {
    h = await startHarness();
    trafficOf(h, 'carol-secret-project');
    const open = await h.call('GET', '/metrics');
    expect(open.status).toBe(200);
    expect(open.text).not.toContain('carol-secret-project');
    expect(open.text).toContain('# TYPE mtshield_connections_total counter'); // the families are still there
    expect(open.text).toMatch(/mtshield_handshake_duration_seconds_count\{result="ok"\} 1\n/); // series without a user stay

    const withToken = await h.call('GET', '/metrics', { token: h.tokens.read_only });
    expect(withToken.text).toContain('mtshield_connections_total{user="carol-secret-project"} 1');
    expect((await h.call('GET', '/metrics', { token: 'mts_' + 'M'.repeat(43) })).status).toBe(401);
  });

  it('the operator can opt in to user names without a token', async () => {
    h = await startHarness({ admin: { metrics_user_labels: true } });
    trafficOf(h, 'carol');
    expect((await h.call('GET', '/metrics')).text).toContain('mtshield_traffic_bytes_total{user="carol",direction="down"} 200');
  });
});
