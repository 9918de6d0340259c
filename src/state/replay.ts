/**
 * A replay cache over any StateStore (src/protocol/replay.ts `ReplayCache` shape): `seen(key, ttl)` is true
 * when the key was recorded before, and records it otherwise — one atomic SET NX PX on Redis, so a fleet
 * shares one replay window. Keys are hex of the hello random / header bytes (not secret material).
 */
import type { StateStore } from './store.js';

export class StoreReplayCache {
  constructor(
    private readonly store: StateStore,
    private readonly namespace = 'replay:',
  ) {}

  async seen(key: Uint8Array, ttlMs: number): Promise<boolean> {
    const first = await this.store.setIfAbsent(this.namespace + Buffer.from(key).toString('hex'), '1', ttlMs);
    return !first;
  }
}
