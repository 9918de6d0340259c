// The profile store follows the running config (ProfileStore.update, called by src/app.ts on reload and on
// run-time user changes): against a real node:tls site on 127.0.0.1 that serves a different RSA-2048 chain per
// SNI name, a new domain gets its own measured profile, a dropped domain is no longer probed or kept, the
// store keeps exactly one refresh timer however often it is updated, and a probe that lands late is dropped.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ProfileStore, type RefreshTimer } from '../../src/fronting/index.js';
import { makeChain, startTlsSite, type TlsSite } from './tls-site.js';

const FIRST = 'example.com';
const ADDED = 'cdn.example.org';
const PROBE = { quietMs: 100, connectTimeoutMs: 2000, readTimeoutMs: 3000 };
const log = { info: () => undefined, warn: () => undefined };

let site: TlsSite;

/** A hand-driven timer that knows which intervals are still set. */
function countingTimer(): RefreshTimer & { live: Map<number, { run: () => void; ms: number }> } {
  const live = new Map<number, { run: () => void; ms: number }>();
  let next = 1;
  return {
    live,
    setInterval: (run, ms) => (live.set(next, { run, ms }), next++),
    clearInterval: (handle) => void live.delete(handle as number),
  };
}

beforeAll(async () => {
  site = await startTlsSite(makeChain(12), { [ADDED]: makeChain(60) }); // the added domain's leaf is much bigger
}, 60_000);

afterAll(async () => {
  await site?.close();
});

describe('a running profile store updated with the running config', () => {
  it('measures an added domain at its own site, drops a removed one and its refreshes, and keeps one timer', async () => {
    const timer = countingTimer();
    const target = () => ({ host: '127.0.0.1', port: site.port });
    const store = new ProfileStore({ domains: [FIRST], target, timer, refreshMs: 60_000, probe: PROBE, log });
    await store.start();
    const first = store.profileFor(FIRST);
    expect(first.source).toBe('site');
    expect(timer.live.size).toBe(1);

    // added: the fallback at once, its own measured profile when the probe lands
    const landed = store.update({ domains: [FIRST, ADDED], target, refreshMs: 60_000 });
    expect(store.profileFor(ADDED).source).toBe('fallback');
    await landed;
    const added = store.profileFor(ADDED);
    expect(added.source).toBe('site');
    expect(added.domain).toBe(ADDED);
    expect(Math.min(...added.flightSizes)).toBeGreaterThan(Math.max(...first.flightSizes) + 64);
    expect(timer.live.size).toBe(1);

    // removed: forgotten, and the refresh timer no longer dials it
    await store.update({ domains: [ADDED], target, refreshMs: 60_000 });
    expect(store.domains()).toEqual([ADDED]);
    expect(store.get(FIRST).reason).toBe('unknown domain');
    const seen = site.names.length;
    const [tick] = [...timer.live.values()];
    tick!.run();
    await store.refresh(); // shares the tick's probe
    expect(site.names.slice(seen).every((n) => n === ADDED)).toBe(true);
    expect(site.names.length).toBeGreaterThan(seen);

    // a new period re-arms the one timer; the same period leaves it alone
    await store.update({ domains: [ADDED], target, refreshMs: 30_000 });
    expect([...timer.live.values()].map((t) => t.ms)).toEqual([30_000]);
    for (let i = 0; i < 5; i++) await store.update({ domains: [ADDED], target, refreshMs: 30_000 });
    expect(timer.live.size).toBe(1);
    store.stop();
    expect(timer.live.size).toBe(0);
  }, 30_000);

  it('re-measures a domain whose site moved, and drops a probe that lands after its domain was removed', async () => {
    const other = await startTlsSite(makeChain(90));
    const timer = countingTimer();
    let port = site.port;
    const target = () => ({ host: '127.0.0.1', port });
    const store = new ProfileStore({ domains: [FIRST], target, timer, refreshMs: 0, probe: PROBE, log });
    try {
      await store.start();
      expect(timer.live.size).toBe(0); // refresh 0: at start (and for new domains) only
      const before = store.profileFor(FIRST);
      port = other.port; // `[fronting] port` changed by a reload
      await store.update({ domains: [FIRST], target, refreshMs: 0 });
      const after = store.profileFor(FIRST);
      expect(after.source).toBe('site');
      expect(Math.min(...after.flightSizes)).toBeGreaterThan(Math.max(...before.flightSizes) + 64);

      const late = store.update({ domains: [FIRST, ADDED], target, refreshMs: 0 });
      await store.update({ domains: [FIRST], target, refreshMs: 0 }); // removed while its probe runs
      await late;
      expect(store.domains()).toEqual([FIRST]);
      expect(store.get(ADDED).reason).toBe('unknown domain');
      expect(store.profileFor(FIRST)).toBe(after);
    } finally {
      store.stop();
      await other.close();
    }
  }, 30_000);
});
