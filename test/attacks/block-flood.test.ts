/**
 * Attack: a flood of sources (or of anomaly findings) that makes the proxy add block after block. Each add must
 * touch one index bucket (no rebuild of the whole set), each lookup must not scan every entry, and the list is
 * bounded: the oldest self-expiring block is evicted, counted, and permanent blocks are never pushed out.
 */
import { describe, expect, it, vi } from 'vitest';
import { BlockManager } from '../../src/security/admission/blocks.js';
import { emptyCounters, type SecurityEventSink } from '../../src/security/audit/reporter.js';
import { ManualClock } from '../../src/security/clock.js';
import { CidrIndex } from '../../src/vocabulary/cidr.js';

function sink(): SecurityEventSink {
  return { counters: emptyCounters(), emit() {}, emitThrottled() {} };
}

const v4 = (n: number) => `10.${(n >> 16) & 255}.${(n >> 8) & 255}.${n & 255}`;

describe('attack: a block flood', () => {
  it('an attacker who triggers 30 000 blocks cannot make each add and each accept cost more as the list grows', () => {
    const blocks = new BlockManager(new ManualClock(), undefined, sink());
    // Work is counted, not timed: the old code rebuilt the whole set on every add (~450M inserts here).
    const sets = vi.spyOn(CidrIndex.prototype, 'set');
    const finds = vi.spyOn(CidrIndex.prototype, 'find');
    try {
      for (let i = 0; i < 30_000; i++) blocks.add(v4(i), 'anomaly.handshake_burst', { ttl: '1h', source: 'anomaly', actor: 'anomaly' });
      expect(sets).toHaveBeenCalledTimes(30_000); // one index entry per add, never a rebuild
      let hits = 0;
      for (let i = 0; i < 30_000; i++) if (blocks.match(v4(i + 15_000))) hits++;
      expect(hits).toBe(15_000);
      // never a scan of the entries: one indexed lookup per accept, plus the blocklist file's set for a miss
      expect(finds).toHaveBeenCalledTimes(15_000 + 2 * 15_000);
    } finally {
      sets.mockRestore();
      finds.mockRestore();
    }
    expect(blocks.size).toBe(30_000);
  });

  it('an attacker who triggers more blocks than the bound cannot grow the list, nor push out permanent blocks', () => {
    const events = sink();
    const blocks = new BlockManager(new ManualClock(), undefined, events, 100);
    blocks.add('192.0.2.0/24', 'operator', { source: 'api' }); // permanent
    for (let i = 0; i < 250; i++) blocks.add(v4(i), 'anomaly', { ttl: '1h', source: 'anomaly', actor: 'anomaly' });
    expect(blocks.size).toBe(100);
    expect(events.counters.blocksEvicted).toBe(151);
    expect(blocks.match('192.0.2.9')?.cidr).toBe('192.0.2.0/24');
    expect(blocks.match(v4(249))).toBeDefined(); // the newest stay
    expect(blocks.match(v4(0))).toBeUndefined(); // the oldest went first
  });

  it('a list of only permanent blocks refuses the next add with a typed error', () => {
    const blocks = new BlockManager(new ManualClock(), undefined, sink(), 3);
    for (let i = 0; i < 3; i++) blocks.add(v4(i), 'operator');
    expect(() => blocks.add(v4(9), 'operator')).toThrow(expect.objectContaining({ code: 'ERR_SECURITY_POLICY' }));
  });

  it('an expired specific block does not hide a wider one that still covers the address', () => {
    const clock = new ManualClock();
    const blocks = new BlockManager(clock, undefined, sink());
    blocks.add('198.51.100.0/24', 'wide', { ttl: '1h' });
    blocks.add('198.51.100.7', 'narrow', { ttl: '1m' });
    expect(blocks.match('198.51.100.7')?.reason).toBe('narrow');
    clock.advance(2 * 60_000);
    expect(blocks.match('198.51.100.7')?.reason).toBe('wide');
  });
});
