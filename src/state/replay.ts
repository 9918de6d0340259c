/**
 * A replay cache over any StateStore (src/protocol/replay.ts `ReplayCache` shape): `seen(key, ttl)` is true
 * when the key was recorded before, and records it otherwise — one atomic SET NX PX on Redis, so a fleet
 * shares one replay window. Keys are hex of the hello random / header bytes (not secret material).
 * A store that cannot answer (Redis down, the primary gone) fails open, like every other shared check: clients
 * keep being served and only the replay window has a gap (docs/fleet.md).
 */
import type { StateStore } from './store.js';

export class StoreReplayCache {
  constructor(
    private readonly store: StateStore,
    private readonly namespace = 'replay:',
    /** Told about each store failure (the answer was then "not seen"). */
    private readonly onError: (error: unknown) => void = () => {},
  ) {}

  async seen(key: Uint8Array, ttlMs: number): Promise<boolean> {
    try {
      return !(await this.store.setIfAbsent(this.namespace + Buffer.from(key).toString('hex'), '1', ttlMs));
    } catch (error) {
      this.onError(error);
      return false;
    }
  }
}
