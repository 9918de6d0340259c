/**
 * Refuses a replayed Noise IK first message on the exit (docs/protocol.md "Relay tunnel"). A first message is
 * accepted only when its authenticated timestamp lies within ±window of the exit's clock and its ephemeral key
 * was not seen within the window. Entries older than the window are pruned as new ones arrive, so memory is
 * bounded by the handshake rate times the window.
 */
export interface ReplayCache {
  /** True when the message is fresh (and records it); false for a replay or a stale timestamp. */
  admit(ephemeral: Uint8Array, timestampMs: number, nowMs: number): boolean;
}

export class WindowReplayCache implements ReplayCache {
  private readonly seen = new Map<string, number>();

  constructor(private readonly windowMs = 120_000) {}

  admit(ephemeral: Uint8Array, timestampMs: number, nowMs: number): boolean {
    if (Math.abs(nowMs - timestampMs) > this.windowMs) return false;
    this.prune(nowMs);
    const key = Buffer.from(ephemeral).toString('base64');
    if (this.seen.has(key)) return false;
    this.seen.set(key, nowMs);
    return true;
  }

  get size(): number {
    return this.seen.size;
  }

  private prune(nowMs: number): void {
    // Map iterates in insertion order, which is arrival order: stop at the first live entry
    for (const [key, at] of this.seen) {
      if (nowMs - at <= 2 * this.windowMs) break;
      this.seen.delete(key);
    }
  }
}
