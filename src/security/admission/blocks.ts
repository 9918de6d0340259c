/**
 * Blocks on proxy clients: `block_ip_address(ip | cidr, reason, ttl?)` from the API, the anomaly detector
 * or a FireHOL netset file. Membership goes through a prefix-indexed CidrIndex (one bucket touched per add or
 * remove, one probe per prefix length per lookup), expiry is lazy on lookup plus `sweep()` on a timer. The
 * runtime list is bounded (`maxEntries`): when full, the oldest block that expires by itself is evicted
 * (anomaly blocks before others; counted in `blocksEvicted`); a list of only permanent blocks refuses the add. Runtime blocks are written to the StateStore (with their TTL) so a
 * restart — or another process on the same Redis — sees them. The admin plane never consults this list.
 * Each change is one `block.added` / `block.removed` / `block.expired` event carrying who asked for it.
 * With the memory backend the store dies with the process, so every change is also handed to `persistTo`
 * (the run-time overlay, a file under state_dir: src/state/overlay.ts) and `restore` puts them back at start.
 */
import { parseDuration } from '../../vocabulary/index.js';
import type { StateStore } from '../../state/store.js';
import { byFields, type ActionBy, type SecurityEventSink } from '../audit/reporter.js';
import type { Clock } from '../clock.js';
import { SecurityError, invalid } from '../errors.js';
import { CidrIndex, CidrSet, parseCidr, type Cidr } from './ip.js';

export type BlockSource = 'api' | 'anomaly' | 'file' | 'config';

export interface BlockEntry {
  /** Canonical CIDR ("203.0.113.7/32"). */
  cidr: string;
  reason: string;
  source: BlockSource;
  actor?: string;
  createdAt: number;
  /** Epoch ms; undefined = until removed. */
  expiresAt?: number;
}

export interface BlockOptions {
  /** Milliseconds or a duration text ("10m"); none = until removed. */
  ttl?: number | string;
  ttlMs?: number;
  source?: BlockSource;
  actor?: string;
  /** The admin client's address, for the audit line. */
  clientIp?: string;
}

export interface BlockMatch {
  cidr: string;
  reason: string;
  source: BlockSource;
}

const INDEX_KEY = 'blocks';
/** Runtime blocks kept at most (a flood of anomaly blocks must not grow without bound). */
export const MAX_BLOCKS = 100_000;

export class BlockManager {
  private readonly entries = new Map<string, { entry: BlockEntry; cidr: Cidr }>();
  private readonly index = new CidrIndex<string>();
  private fileSet = new CidrSet([]);
  private fileEntries = 0;
  private persist: ((entries: BlockEntry[]) => void) | undefined;
  private persistQueued = false;

  constructor(
    private readonly clock: Clock,
    private readonly store: StateStore | undefined,
    private readonly events?: SecurityEventSink,
    private readonly maxEntries = MAX_BLOCKS,
  ) {}

  /** Load runtime blocks persisted by an earlier run (or another process). */
  async load(): Promise<number> {
    if (!this.store) return 0;
    let loaded = 0;
    for (const key of await this.store.smembers(INDEX_KEY)) {
      const text = await this.store.get(`block:${key}`);
      if (!text) {
        await this.store.srem(INDEX_KEY, key);
        continue;
      }
      try {
        const entry = JSON.parse(text) as BlockEntry;
        if (entry.expiresAt !== undefined && entry.expiresAt <= this.clock.now()) continue;
        if (this.entries.size >= this.maxEntries && !this.evictOne()) break;
        const cidr = parseCidr(entry.cidr);
        this.entries.set(entry.cidr, { entry, cidr });
        this.index.set(cidr, entry.cidr);
        loaded++;
      } catch {
        await this.store.srem(INDEX_KEY, key);
      }
    }
    return loaded;
  }

  /** Puts back blocks kept in the run-time overlay (expired and malformed ones are skipped). */
  restore(records: readonly unknown[]): number {
    const now = this.clock.now();
    let restored = 0;
    for (const record of records) {
      const entry = record as Partial<BlockEntry> | null;
      if (!entry || typeof entry.cidr !== 'string' || typeof entry.reason !== 'string' || this.entries.has(entry.cidr)) continue;
      if (entry.expiresAt !== undefined && !(typeof entry.expiresAt === 'number' && entry.expiresAt > now)) continue;
      try {
        const cidr = parseCidr(entry.cidr);
        this.entries.set(cidr.text, { entry: { ...(entry as BlockEntry), cidr: cidr.text }, cidr });
        this.index.set(cidr, cidr.text);
        restored++;
      } catch {
        // a record this version cannot read: skipped, and dropped from the overlay at the next change
      }
    }
    if (restored > 0) this.changed();
    return restored;
  }

  /** Where each change of the run-time blocks is written (the run-time overlay). */
  persistTo(sink: ((entries: BlockEntry[]) => void) | undefined): void {
    this.persist = sink;
  }

  /**
   * The run-time blocks changed: hand them all to the overlay once this tick is over, so a burst of adds (a block
   * flood, an anomaly wave) costs one copy of the list, not one per add.
   */
  private changed(): void {
    if (this.persist === undefined || this.persistQueued) return;
    this.persistQueued = true;
    queueMicrotask(() => {
      this.persistQueued = false;
      this.persist?.([...this.entries.values()].map((e) => e.entry));
    });
  }

  /** Makes room for one block: the oldest self-expiring anomaly block, else the oldest self-expiring one. */
  private evictOne(): boolean {
    let victim: BlockEntry | undefined;
    for (const { entry } of this.entries.values()) {
      if (entry.expiresAt === undefined) continue;
      if (entry.source === 'anomaly') {
        victim = entry;
        break;
      }
      victim ??= entry;
    }
    if (!victim) return false;
    this.drop(victim.cidr);
    if (this.events) this.events.counters.blocksEvicted++;
    return true;
  }

  private drop(key: string): void {
    const found = this.entries.get(key);
    if (!found) return;
    this.entries.delete(key);
    this.index.delete(found.cidr);
    this.changed();
    if (this.store) {
      void this.store.del(`block:${key}`).catch(() => {});
      void this.store.srem(INDEX_KEY, key).catch(() => {});
    }
  }

  /** block_ip_address: a TTL of 0 or none = permanent. Re-blocking the same CIDR replaces its reason and expiry. */
  add(ipOrCidr: string, reason: string, options: BlockOptions = {}): BlockEntry {
    let ttlMs = options.ttlMs;
    if (options.ttl !== undefined) {
      ttlMs = typeof options.ttl === 'number' ? options.ttl : parseDuration(options.ttl);
      if (ttlMs === undefined) throw invalid('ttl', `"${options.ttl}" is not a duration (use e.g. "10m", "1h")`);
    }
    if (typeof reason !== 'string' || reason.length === 0 || reason.length > 500) throw invalid('reason', 'a reason of 1–500 characters is required');
    if (ttlMs !== undefined && (!Number.isFinite(ttlMs) || ttlMs < 0)) throw invalid('ttl', 'must be a positive duration');
    const cidr = parseCidr(ipOrCidr, 'ip');
    const now = this.clock.now();
    const entry: BlockEntry = {
      cidr: cidr.text,
      reason,
      source: options.source ?? 'api',
      actor: options.actor,
      createdAt: now,
      expiresAt: ttlMs ? now + ttlMs : undefined,
    };
    // Re-blocking moves the entry to the end, so insertion order stays the age order eviction relies on.
    if (!this.entries.delete(cidr.text) && this.entries.size >= this.maxEntries && !this.evictOne()) {
      throw new SecurityError('ERR_SECURITY_POLICY', `the block list holds ${this.maxEntries} permanent blocks; remove some first`, { field: 'ip' });
    }
    this.entries.set(cidr.text, { entry, cidr });
    this.index.set(cidr, cidr.text);
    this.changed();
    if (this.store) {
      const ttl = ttlMs || undefined;
      void this.store.set(`block:${cidr.text}`, JSON.stringify(entry), ttl).catch(() => {});
      void this.store.sadd(INDEX_KEY, cidr.text).catch(() => {});
    }
    if (this.events) {
      this.events.counters.blocksAdded++;
      // An anomaly block is reported by its threat event (action "blocked"): one line per action.
      if (entry.source !== 'anomaly') {
        const by = byFields({ actor: options.actor ?? 'system', clientIp: options.clientIp });
        const expiresAt = entry.expiresAt && new Date(entry.expiresAt).toISOString();
        this.events.emit({ type: 'block.added', severity: 'medium', message: `blocked ${entry.cidr}: ${reason}`, ip: entry.cidr, details: { reason, source: entry.source, ...by, expiresAt } });
      }
    }
    return { ...entry };
  }

  remove(ipOrCidr: string, by?: ActionBy): BlockEntry {
    const cidr = parseCidr(ipOrCidr, 'ip');
    const found = this.entries.get(cidr.text);
    if (!found) throw new SecurityError('ERR_SECURITY_NOT_FOUND', `no block for ${cidr.text}`, { field: 'ip' });
    this.drop(cidr.text);
    const entry = found.entry;
    this.events?.emit({ type: 'block.removed', severity: 'medium', message: `unblocked ${entry.cidr}`, ip: entry.cidr, details: { ...byFields(by), reason: entry.reason } });
    return entry;
  }

  list(): BlockEntry[] {
    this.sweep();
    return [...this.entries.values()].map((e) => ({ ...e.entry })).sort((a, b) => a.createdAt - b.createdAt);
  }

  get size(): number {
    return this.entries.size + this.fileEntries;
  }

  setFileList(set: CidrSet, entries: number): void {
    this.fileSet = set;
    this.fileEntries = entries;
  }

  /** The block covering `ip`, if any (an expired one is dropped on the way). */
  match(ip: string): BlockMatch | undefined {
    let key = this.index.find(ip);
    if (key !== undefined) {
      let entry = this.entries.get(key)!.entry;
      if (entry.expiresAt !== undefined && entry.expiresAt <= this.clock.now()) {
        this.sweep(); // the most specific block has expired: a wider one may still cover the address
        key = this.index.find(ip);
        entry = key === undefined ? entry : this.entries.get(key)!.entry;
      }
      if (key !== undefined) return { cidr: entry.cidr, reason: entry.reason, source: entry.source };
    }
    if (this.fileSet.has(ip)) return { cidr: ip, reason: 'blocklist file', source: 'file' };
    return undefined;
  }

  /** Drops expired blocks, reporting each; returns them. */
  sweep(): BlockEntry[] {
    const now = this.clock.now();
    const gone: BlockEntry[] = [];
    for (const [key, { entry, cidr }] of this.entries) {
      if (entry.expiresAt !== undefined && entry.expiresAt <= now) {
        this.entries.delete(key);
        this.index.delete(cidr);
        gone.push(entry);
        if (this.store) void this.store.srem(INDEX_KEY, key).catch(() => {});
      }
    }
    if (gone.length > 0) {
      this.changed();
      for (const entry of gone) {
        this.events?.emit({ type: 'block.expired', severity: 'info', message: `block on ${entry.cidr} expired`, ip: entry.cidr, details: { reason: entry.reason, source: entry.source } });
      }
    }
    return gone;
  }
}
