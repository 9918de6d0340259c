/**
 * The proxy's counts, read through one API: `server.stats()` (ProxyStats) for /api/v1/stats, /metrics, health
 * and the security reporter. Totals are fed from the event bus; crypto counts come from the upstream codecs.
 */
import type { EventBus } from '../events.js';
import type { ReplayWindow } from '../protocol/replay.js';

/**
 * The anti-replay cache as /metrics and /api/v1/stats show it (docs/security.md, "Replay window"). `windowMs`:
 * how long a header is remembered now — the oldest entry's age once the cache is full (each new header evicts
 * the oldest), else `[tls] replay_max_age`. A shared store (Redis) keeps entries until they expire: its window
 * is replay_max_age and its counts are Redis's (null here).
 */
export interface ReplayStats {
  entries: number | null;
  capacity: number | null;
  budgetBytes: number | null;
  oldestAgeMs: number | null;
  windowMs: number;
}

export function replayStatsOf(window: ReplayWindow | undefined, maxAgeMs: number): ReplayStats {
  if (window === undefined) return { entries: null, capacity: null, budgetBytes: null, oldestAgeMs: null, windowMs: maxAgeMs };
  const full = window.entries >= window.capacity;
  return { ...window, windowMs: full ? Math.min(window.oldestAgeMs, maxAgeMs) : maxAgeMs };
}

export interface ProxyStats {
  uptimeMs: number;
  draining: boolean;
  users: number;
  connections: { active: number; handshaking: number; relaying: number; fronting: number };
  totals: {
    accepted: number;
    refused: number;
    handshakesOk: number;
    handshakesFailed: number;
    fronted: number;
    replays: number;
    usersRefused: number;
    dcFailures: number;
    closed: number;
  };
  /** The totals broken down by the label /metrics shows them under (bounded sets: enums and DC ids). */
  by: {
    handshakeFailure: Record<string, number>;
    refusedBy: Record<string, number>;
    replayKind: Record<string, number>;
    userRefusal: Record<string, number>;
    dcFailure: Record<string, number>;
  };
  /** Bytes read from clients and from upstreams, for closed connections plus live ones so far. */
  bytes: { fromClient: number; toClient: number };
  /** Chunks passed through a cipher since start: `decrypted` client → upstream, `encrypted` upstream → client. */
  crypto: { encrypted: number; decrypted: number };
  replay: ReplayStats;
}

interface SessionLike {
  state: string;
  fromClient: number;
  toClient: number;
}

export class ProxyStatsCounter {
  private readonly startedAt = Date.now();
  private readonly totals: ProxyStats['totals'] = {
    accepted: 0,
    refused: 0,
    handshakesOk: 0,
    handshakesFailed: 0,
    fronted: 0,
    replays: 0,
    usersRefused: 0,
    dcFailures: 0,
    closed: 0,
  };
  private readonly by: ProxyStats['by'] = { handshakeFailure: {}, refusedBy: {}, replayKind: {}, userRefusal: {}, dcFailure: {} };
  private closedFromClient = 0;
  private closedToClient = 0;

  attach(bus: EventBus): void {
    const t = this.totals;
    const by = this.by;
    bus.on('connection.accepted', () => t.accepted++);
    bus.on('connection.refused', (e) => {
      t.refused++;
      count(by.refusedBy, e.by);
    });
    bus.on('handshake.ok', () => t.handshakesOk++);
    bus.on('handshake.failed', (e) => {
      t.handshakesFailed++;
      count(by.handshakeFailure, e.reason);
    });
    bus.on('connection.fronted', () => t.fronted++);
    bus.on('replay.detected', (e) => {
      t.replays++;
      count(by.replayKind, e.kind);
    });
    bus.on('user.refused', (e) => {
      t.usersRefused++;
      count(by.userRefusal, e.reason);
    });
    bus.on('dc.failed', (e) => {
      t.dcFailures++;
      count(by.dcFailure, String(e.dc));
    });
    bus.on('connection.closed', (e) => {
      t.closed++;
      this.closedFromClient += e.fromClient;
      this.closedToClient += e.toClient;
    });
  }

  snapshot(sessions: Iterable<SessionLike>, users: number, draining: boolean, crypto: ProxyStats['crypto'], replay: ReplayStats): ProxyStats {
    const connections = { active: 0, handshaking: 0, relaying: 0, fronting: 0 };
    let fromClient = this.closedFromClient;
    let toClient = this.closedToClient;
    for (const s of sessions) {
      connections.active++;
      if (s.state === 'relay') connections.relaying++;
      else if (s.state === 'fronting' || s.state === 'sink') connections.fronting++;
      else connections.handshaking++;
      fromClient += s.fromClient;
      toClient += s.toClient;
    }
    return {
      uptimeMs: Date.now() - this.startedAt,
      draining,
      users,
      connections,
      totals: { ...this.totals },
      by: {
        handshakeFailure: { ...this.by.handshakeFailure },
        refusedBy: { ...this.by.refusedBy },
        replayKind: { ...this.by.replayKind },
        userRefusal: { ...this.by.userRefusal },
        dcFailure: { ...this.by.dcFailure },
      },
      bytes: { fromClient, toClient },
      crypto: { encrypted: crypto.encrypted, decrypted: crypto.decrypted },
      replay,
    };
  }
}

function count(table: Record<string, number>, label: string): void {
  table[label] = (table[label] ?? 0) + 1;
}
