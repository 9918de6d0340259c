/**
 * Attack: replay a recorded obfuscated2 header later to confirm the proxy. An obfuscated2 header carries no time,
 * so the replay cache is all that stands between a censor's delayed replay and a relayed connection (which a web
 * server would never give). Headers used to be remembered for 10 minutes; they are now remembered for
 * [tls] replay_max_age, as long as the cache's memory budget ([tls] replay_memory) lasts, and the window that
 * gives is reported in /api/v1/stats and /metrics (docs/security.md, "Replay window").
 */
import { describe, expect, it } from 'vitest';
import { createMetrics } from '../../src/admin/metrics.js';
import { MemoryReplayCache, REPLAY_ENTRY_BYTES } from '../../src/protocol/replay.js';
import { formatSecret, generateSecret } from '../../src/protocol/secrets.js';
import { startTestProxy, type TestProxy } from '../helpers/proxy.js';
import { obfuscatedClient } from '../helpers/raw-client.js';
import { useAttackRig } from './slot-rig.js';

const dd = generateSecret('dd');
const MINUTE = 60_000;
let proxy: TestProxy | undefined;
const rig = useAttackRig(async () => {
  await proxy?.stop();
  proxy = undefined;
});

async function start(input: Record<string, unknown> = {}, replay?: MemoryReplayCache): Promise<TestProxy> {
  proxy = await startTestProxy(
    {
      users: { d: { secret: formatSecret(dd) } },
      upstream: { dc: { '2': [`127.0.0.1:${rig.dc.port}`] } },
      fronting: { host: '127.0.0.1', port: rig.site.port },
      ...input,
    },
    replay ? { replay } : {},
  );
  return proxy;
}

/** One honest obfuscated2 connection; `relayed` when a frame went to the DC and back. */
async function relays(port: number) {
  const client = await obfuscatedClient(port, dd.key);
  client.socket.on('error', () => {});
  try {
    const frame = new Uint8Array(48).fill(3);
    client.send(frame);
    const back = await client.receive(2_000);
    return { header: client.header, relayed: Buffer.from(back).equals(Buffer.from(frame)) };
  } catch {
    return { header: client.header, relayed: false };
  } finally {
    client.socket.destroy();
  }
}

describe('attack: a recorded obfuscated2 header replayed later', () => {
  it('an attacker who replays an obfuscated2 header 11 minutes later cannot get it relayed', async () => {
    let now = 1_000_000;
    const p = await start({}, new MemoryReplayCache({ clock: () => now }));
    const first = await relays(p.port);
    expect(first.relayed).toBe(true);
    const dialled = rig.dc.connections.length;
    now += 11 * MINUTE; // past the old fixed 10-minute memory
    // The replay, byte for byte as recorded (the header alone: a raw socket, nothing decoded on this side).
    const replay = await rig.silent(p.port);
    replay.write(first.header.header);
    const outcome = await Promise.race([
      p.waitFor('replay.detected', (e) => e.remotePort === replay.localPort, 5_000).then((e) => `replay.detected:${e.kind}`),
      p.waitFor('handshake.ok', (e) => e.remotePort === replay.localPort, 5_000).then(() => 'handshake.ok'),
    ]);
    expect(outcome).toBe('replay.detected:obfuscated2');
    expect(rig.dc.connections.length).toBe(dialled); // never reached the DC
  });

  it('the cache is sized by [tls] replay_memory, and the window it gives is reported', async () => {
    const p = await start({ tls: { replay_memory: '16KiB', replay_max_age: '6h' } });
    expect(p.service.server.stats().replay).toEqual({
      entries: 0,
      capacity: Math.floor(16_384 / REPLAY_ENTRY_BYTES),
      budgetBytes: 16_384,
      oldestAgeMs: 0,
      windowMs: 6 * 60 * MINUTE, // not full: every header stays for replay_max_age
    });
  });

  it('once the cache is full the window is the oldest entry\'s age, in /api/v1/stats and /metrics', async () => {
    let now = 5_000_000;
    const p = await start({}, new MemoryReplayCache({ maxEntries: 3, clock: () => now }));
    for (let i = 0; i < 4; i++) {
      expect((await relays(p.port)).relayed).toBe(true);
      now += MINUTE;
    }
    // Arrivals at 0, 1, 2, 3 min; the first was evicted; now is 4 min: the oldest remembered is 3 minutes old.
    const stats = p.service.server.stats().replay;
    expect(stats).toMatchObject({ entries: 3, capacity: 3, oldestAgeMs: 3 * MINUTE, windowMs: 3 * MINUTE });
    const metrics = createMetrics({ bus: p.service.bus, version: 'test', proxyStats: () => p.service.server.stats() });
    try {
      const text = await metrics.render();
      expect(text).toMatch(/^mtshield_replay_window_seconds 180$/m);
      expect(text).toMatch(/^mtshield_replay_cache_entries 3$/m);
      expect(text).toMatch(/^mtshield_replay_cache_capacity_entries 3$/m);
    } finally {
      metrics.close();
    }
  });
});
