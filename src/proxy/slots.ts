/**
 * Connection slots reserved for authenticated clients. The server holds at most `[server] max_connections`
 * connections; of those, unauthenticated ones (waiting for the gate or a PROXY header, handshaking, fronted,
 * sunk) may hold at most `[limits] unauthenticated_share` of them (docs/security.md, "Slots"). A new connection
 * that would go past either bound takes the slot of the oldest unauthenticated connection: first one already
 * fronted or sunk (it failed or was refused), else the longest handshaking one. So a flood of junk, silent or
 * fronted connections displaces itself, while an honest client's handshake, done in a round trip or two, gets
 * through, and authenticated clients are never displaced: past the unauthenticated share, only they remain.
 *
 * Two Maps in accept order (a Map iterates in insertion order), so the oldest of each is its first key: no
 * scan, no allocation beyond the Map entry per connection.
 */

/** What the table needs of a session: its id and a way to end it. */
export interface SlotHolder {
  readonly ref: { readonly id: number };
  stop(reason: string): void;
}

export interface SlotLimits {
  /** Connections held at once; 0 = no cap. */
  readonly maxConnections: number;
  /** Share of maxConnections unauthenticated connections may hold, 0..1 (1 = no reservation, nothing displaced). */
  readonly unauthenticatedShare: number;
}

/** The close reason of a connection displaced by a newer one. */
export const EVICTED = 'evicted';

export class SlotTable {
  /** Unauthenticated connections still deciding (gate, handshake), oldest first. */
  private readonly pending = new Map<number, SlotHolder>();
  /** Fronted or sunk connections (failed or refused), oldest first. */
  private readonly failed = new Map<number, SlotHolder>();

  /** Unauthenticated connections held now. */
  get unauthenticated(): number {
    return this.pending.size + this.failed.size;
  }

  /** A new connection: unauthenticated until `authenticated`. */
  opened(holder: SlotHolder): void {
    this.pending.set(holder.ref.id, holder);
  }

  /** The connection failed or was refused and is fronted or sunk from now on: the first to be displaced. */
  fronted(holder: SlotHolder): void {
    if (this.pending.delete(holder.ref.id)) this.failed.set(holder.ref.id, holder);
  }

  /** The handshake named a user who was admitted: the connection leaves the unauthenticated share. */
  authenticated(holder: SlotHolder): void {
    this.pending.delete(holder.ref.id);
    this.failed.delete(holder.ref.id);
  }

  closed(id: number): void {
    if (!this.pending.delete(id)) this.failed.delete(id);
  }

  /**
   * Makes room for one more connection when `held` connections are open (`waiting` of them unauthenticated
   * connections this table does not hold, e.g. PROXY headers not read yet): true when there is room, after
   * displacing the oldest unauthenticated connection if a bound was reached; false when every slot is
   * authenticated (or not displaceable), and the new connection must be refused.
   */
  makeRoom(limits: SlotLimits, held: number, waiting: number): boolean {
    const max = limits.maxConnections;
    if (max <= 0) return true;
    if (limits.unauthenticatedShare >= 1) return held < max; // no reservation: refused at the cap, as a plain server
    const unauthenticatedMax = Math.max(1, Math.floor(max * limits.unauthenticatedShare));
    if (held < max && this.unauthenticated + waiting < unauthenticatedMax) return true;
    const victim = first(this.failed) ?? first(this.pending);
    if (victim === undefined) return false;
    this.closed(victim.ref.id);
    victim.stop(EVICTED);
    return true;
  }
}

function first(map: Map<number, SlotHolder>): SlotHolder | undefined {
  return map.values().next().value;
}
