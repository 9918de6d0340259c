/**
 * A replay cache over any StateStore (src/protocol/replay.ts `ReplayCache` shape): `seen(key, ttl)` is true
 * when the key was recorded before, and records it otherwise — one atomic SET NX PX on Redis, so a fleet
 * shares one replay window. Keys are hex of the hello random / header bytes (not secret material).
 *
 * When the store fails (Redis down, ERR_STATE_UNAVAILABLE) the answer follows `[state] replay_on_outage`
 * (docs/security.md, "State"): "open" (default) checks a process-local cache instead, so clients keep working
 * and a replay to this process is still caught, only one to another fleet member is not; "closed" answers
 * "seen", so every handshake is refused (and fronted) until the store is back.
 */
import { MemoryReplayCache, type ReplayCache } from '../protocol/replay.js';
import type { StateStore } from './store.js';

export type ReplayOutagePolicy = 'open' | 'closed';

export class StoreReplayCache implements ReplayCache {
  /** Checks the store could not answer (each one decided by the outage policy). */
  storeErrors = 0;
  private fallback?: ReplayCache;

  constructor(
    private readonly store: StateStore,
    private readonly namespace = 'replay:',
    private readonly onOutage: ReplayOutagePolicy = 'open',
  ) {}

  async seen(key: Uint8Array, ttlMs: number): Promise<boolean> {
    try {
      const first = await this.store.setIfAbsent(this.namespace + Buffer.from(key).toString('hex'), '1', ttlMs);
      return !first;
    } catch {
      this.storeErrors++;
      if (this.onOutage === 'closed') return true;
      this.fallback ??= new MemoryReplayCache({ maxEntries: 100_000 });
      return this.fallback.seen(key, ttlMs);
    }
  }
}
