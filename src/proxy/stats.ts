/**
 * The proxy's counts, read through one API: `server.stats()` (ProxyStats) for /api/v1/stats, /metrics, health
 * and the security reporter. Totals are fed from the event bus; crypto counts come from the upstream codecs.
 */
import type { EventBus } from '../events.js';

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
  /** Bytes read from clients and from upstreams, for closed connections plus live ones so far. */
  bytes: { fromClient: number; toClient: number };
  /** Chunks passed through a cipher since start: `decrypted` client → upstream, `encrypted` upstream → client. */
  crypto: { encrypted: number; decrypted: number };
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
  private closedFromClient = 0;
  private closedToClient = 0;

  attach(bus: EventBus): void {
    const t = this.totals;
    bus.on('connection.accepted', () => t.accepted++);
    bus.on('connection.refused', () => t.refused++);
    bus.on('handshake.ok', () => t.handshakesOk++);
    bus.on('handshake.failed', () => t.handshakesFailed++);
    bus.on('connection.fronted', () => t.fronted++);
    bus.on('replay.detected', () => t.replays++);
    bus.on('user.refused', () => t.usersRefused++);
    bus.on('dc.failed', () => t.dcFailures++);
    bus.on('connection.closed', (e) => {
      t.closed++;
      this.closedFromClient += e.fromClient;
      this.closedToClient += e.toClient;
    });
  }

  snapshot(sessions: Iterable<SessionLike>, users: number, draining: boolean, crypto: ProxyStats['crypto']): ProxyStats {
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
      bytes: { fromClient, toClient },
      crypto: { encrypted: crypto.encrypted, decrypted: crypto.decrypted },
    };
  }
}
