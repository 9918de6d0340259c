/**
 * The idle-memory scenario's collected readings (bench/proxy/scenarios.ts idleMemory `collect`), against a real
 * mtshield process with the memory probe in it and the bench's echo DC, all on 127.0.0.1: each reading point is
 * also read after a full collection, the live heap grows with the idle connections held, and each batch's
 * uncollected figure starts from the collected reading before it. Needs `npm run build` (the proxy and the probe
 * run compiled).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startProxy, type ProxyUnderTest } from '../../bench/proxy/child.js';
import { startEchoDc, type EchoDc } from '../../bench/proxy/fake-dc.js';
import { idleMemory, type IdleMemoryResult } from '../../bench/proxy/scenarios.js';
import { formatSecret, generateSecret } from '../../src/protocol/secrets.js';

describe('idle memory with collected readings', () => {
  const secret = generateSecret('dd');
  let dc: EchoDc;
  let proxy: ProxyUnderTest;
  let result: IdleMemoryResult;

  beforeAll(async () => {
    dc = await startEchoDc();
    proxy = await startProxy({ dcPort: dc.port, users: [{ name: 'bench_dd', secret: formatSecret(secret, 'hex') }], fastMode: false, memoryProbe: true });
    const target = { host: '127.0.0.1', port: proxy.port, pid: proxy.pid, secret, dc: 2, probe: proxy.probe };
    result = await idleMemory(target, { connections: 100, concurrency: 8, collect: true });
  }, 60_000);

  afterAll(async () => {
    await proxy?.stop();
    await dc?.close();
  });

  it('reads every point after a full collection too', () => {
    expect(result.failed).toBe(0);
    const c = result.collected!;
    expect(c).toBeDefined();
    for (const r of [c.baseline, c.afterFirst, c.afterSecond]) expect(r.rss).toBeGreaterThan(r.heapUsed);
    expect(c.keptBytesPerConnection).toBe((c.rssAfterSecondBytes - c.rssAfterFirstBytes) / 100);
    // the end's live heap is the last collected reading, not another collection
    expect(result.breakdown!.liveAtEnd).toEqual(c.afterSecond);
  });

  it('keeps more live heap with every batch of idle connections held', () => {
    const c = result.collected!;
    // 100 idle connections each keep a few KiB of live heap (sockets, session, relay)
    expect(c.afterFirst.heapUsed - c.baseline.heapUsed).toBeGreaterThan(100 * 1024);
    expect(c.afterSecond.heapUsed - c.afterFirst.heapUsed).toBeGreaterThan(100 * 1024);
  });

  it("measures the second batch's uncollected growth from the collected reading after the first", () => {
    expect(result.bytesPerConnection).toBe((result.rssAfterSecondBytes - result.collected!.rssAfterFirstBytes) / 100);
  });

  it('refuses to collect without the probe', async () => {
    const target = { host: '127.0.0.1', port: proxy.port, pid: proxy.pid, secret, dc: 2 };
    await expect(idleMemory(target, { connections: 1, concurrency: 1, collect: true })).rejects.toThrow(/memory probe/);
  });
});
