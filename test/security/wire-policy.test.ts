/**
 * Policy rules over real connections, each in monitor and in enforce mode: require_fake_tls, per-IP
 * connection limits, per-IP rate limits (failed handshakes, new connections), per-user connection limits,
 * per-user bandwidth; and key rotation through the proxy's user directory.
 */
import { randomBytes } from 'node:crypto';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { mtcuteClient, type FrameClient } from '../helpers/clients.js';
import { startFakeDc, type FakeDc } from '../helpers/fake-dc.js';
import { connectTo } from '../helpers/net.js';
import { rawAttempt, roundTrip, secrets, sendGarbage, startSecuredProxy, type SecuredProxy } from './helpers/secured-proxy.js';

let dc: FakeDc;
let p: SecuredProxy | undefined;
const open: FrameClient[] = [];

beforeAll(async () => {
  dc = await startFakeDc();
});
afterAll(async () => {
  await dc?.close();
});
afterEach(async () => {
  for (const client of open.splice(0)) await client.close().catch(() => {});
  await p?.stop();
  p = undefined;
});

/** Polls (bounded) until `check` holds. */
async function until(check: () => boolean, timeoutMs = 10_000): Promise<void> {
  for (const start = Date.now(); !check(); ) {
    if (Date.now() - start > timeoutMs) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** A client that completed a round trip and stays connected. */
async function hold(port: number, secret: string): Promise<FrameClient> {
  const client = await mtcuteClient(port, secret, { id: 2 });
  open.push(client);
  await client.send(new Uint8Array(16).fill(1));
  await client.receive(5_000);
  return client;
}

describe('require_fake_tls', () => {
  it('monitor: a dd client still works and is counted', async () => {
    p = await startSecuredProxy(dc);
    expect(await roundTrip(p.proxy.port, secrets.dd)).toBe(true);
    expect(p.layer.counters().wouldRefuse.policy).toBe(1);
  });

  it('enforce: a dd client is refused at identification, an ee client works', async () => {
    p = await startSecuredProxy(dc, { policy: { require_fake_tls: { mode: 'enforce' } } });
    expect(await roundTrip(p.proxy.port, secrets.dd)).toBe(false);
    const refused = await p.proxy.waitFor('connection.refused');
    expect(refused).toMatchObject({ by: 'policy' });
    expect(await roundTrip(p.proxy.port, secrets.ee)).toBe(true);
  });
});

describe('ip_connection_limits', () => {
  it('enforce: the connection over the per-IP cap is refused; a close frees a slot', async () => {
    p = await startSecuredProxy(dc, { policy: { ip_connection_limits: { mode: 'enforce' } }, limits: { per_ip: { max_connections: 2 } } });
    const first = await hold(p.proxy.port, secrets.ee);
    await hold(p.proxy.port, secrets.ee);
    const third = await rawAttempt(p.proxy.port);
    expect(third.data.length).toBe(0);
    expect((await p.proxy.waitFor('connection.refused')).by).toBe('limit');
    await first.close();
    await until(() => p!.layer.counters().connectionsTracked < 2);
    expect(await roundTrip(p.proxy.port, secrets.ee)).toBe(true);
  });

  it('monitor: the same connection goes through and is counted', async () => {
    p = await startSecuredProxy(dc, { policy: { ip_connection_limits: { mode: 'monitor' } }, limits: { per_ip: { max_connections: 1 } } });
    await hold(p.proxy.port, secrets.ee);
    expect(await roundTrip(p.proxy.port, secrets.ee)).toBe(true);
    expect(p.layer.counters().wouldRefuse.limit).toBe(1);
  });
});

describe('rate_limits', () => {
  async function failHandshakes(port: number, n: number) {
    const sockets = [];
    for (let i = 0; i < n; i++) {
      sockets.push(await sendGarbage(port, randomBytes(64)));
      await p!.proxy.waitFor('handshake.failed', () => p!.proxy.events.filter((e) => e.name === 'handshake.failed').length >= i + 1);
    }
    for (const socket of sockets) socket.destroy();
  }

  it('enforce: after too many failed handshakes a valid client from that IP is refused', async () => {
    p = await startSecuredProxy(dc, { policy: { rate_limits: { mode: 'enforce' } }, limits: { per_ip: { failed_handshakes_per_minute: 3 } } });
    await failHandshakes(p.proxy.port, 3);
    expect(await roundTrip(p.proxy.port, secrets.ee)).toBe(false);
    expect((await p.proxy.waitFor('connection.refused')).by).toBe('rate_limit');
    expect(p.layer.counters().rateLimited).toBeGreaterThanOrEqual(1);
  });

  it('monitor: the client gets through and the would-refuse is counted', async () => {
    p = await startSecuredProxy(dc, { policy: { rate_limits: { mode: 'monitor' } }, limits: { per_ip: { failed_handshakes_per_minute: 3 } } });
    await failHandshakes(p.proxy.port, 3);
    expect(await roundTrip(p.proxy.port, secrets.ee)).toBe(true);
    expect(p.layer.counters().wouldRefuse.rate_limit).toBeGreaterThanOrEqual(1);
  });

  it('enforce: new connections beyond the per-second budget are refused', async () => {
    p = await startSecuredProxy(dc, { policy: { rate_limits: { mode: 'enforce' } }, limits: { per_ip: { new_connections_per_second: 2 } } });
    const sockets = await Promise.all([0, 1, 2, 3].map(async () => (await connectTo(p!.proxy.port)).on('error', () => {})));
    await until(() => p!.proxy.events.filter((e) => e.name === 'connection.refused' && e.data.by === 'rate_limit').length >= 2);
    for (const socket of sockets) socket.destroy();
    expect(p.layer.counters().refused.rate_limit).toBeGreaterThanOrEqual(2);
  });

  it('a user over its connection cap ([limits.users.NAME]) is refused whatever the rate_limits mode: one cap, the proxy\'s', async () => {
    p = await startSecuredProxy(dc, { policy: { rate_limits: { mode: 'enforce' } }, limits: { users: { alice: { max_connections: 1 } } } });
    await hold(p.proxy.port, secrets.ee);
    expect(await roundTrip(p.proxy.port, secrets.ee)).toBe(false);
    expect((await p.proxy.waitFor('user.refused', (e) => e.user === 'alice')).reason).toBe('max_connections');
    expect(await roundTrip(p.proxy.port, secrets.ee2)).toBe(true); // bob is not capped
    p.layer.policies.set({ rate_limits: { mode: 'monitor' } });
    expect(await roundTrip(p.proxy.port, secrets.ee)).toBe(false);
  });

  it('bandwidth: enforce slows a user (data intact), monitor only counts', async () => {
    p = await startSecuredProxy(dc, { policy: { rate_limits: { mode: 'enforce' } }, limits: { per_user: { bandwidth: '256KiB', burst: '32KiB' } } });
    const client = await hold(p.proxy.port, secrets.ee);
    const frame = new Uint8Array(100_000).map((_, i) => i & 0xff);
    await client.send(frame);
    const back = await client.receive(15_000);
    expect(Buffer.from(back.subarray(0, frame.length)).equals(Buffer.from(frame))).toBe(true);
    expect(p.layer.counters().rateLimited).toBeGreaterThan(0);
    expect(p.events.some((e) => e.type === 'ratelimit.bandwidth')).toBe(true);

    p.layer.policies.set({ rate_limits: { mode: 'monitor' } });
    const before = p.layer.counters().rateLimited;
    const second = await hold(p.proxy.port, secrets.ee2);
    await second.send(frame);
    await second.receive(15_000);
    expect(p.layer.counters().rateLimited).toBe(before);
    expect(p.events.some((e) => e.type === 'policy.would_refuse.bandwidth')).toBe(true);
  });
});

describe('key rotation through the proxy', () => {
  it('a rotated user connects with the new secret; the old one works only during the grace period', async () => {
    p = await startSecuredProxy(dc, { server: { public_host: 'proxy.example.net' }, security: { link_port: 443 } });
    const withGrace = p.layer.keys.rotate({ users: ['alice'], graceMs: 60_000 });
    const fresh = withGrace.users[0]!;
    expect(fresh).toMatchObject({ name: 'alice', mode: 'ee' });
    expect(fresh.links?.tg).toContain('server=proxy.example.net');
    expect(await roundTrip(p.proxy.port, fresh.secret)).toBe(true);
    expect(await roundTrip(p.proxy.port, secrets.ee)).toBe(true); // grace
    const noGrace = p.layer.keys.rotate({ users: ['alice'], graceMs: 0 });
    expect(await roundTrip(p.proxy.port, noGrace.users[0]!.secret)).toBe(true);
    expect(await roundTrip(p.proxy.port, fresh.secret)).toBe(false);
    const audit = JSON.stringify(p.layer.audit.recent(100));
    expect(audit).toContain('keys.rotated');
    expect(audit).not.toContain(noGrace.users[0]!.secret.slice(2, 34));
  });
});
