/**
 * Keeps the entry connected (docs/protocol.md "Relay tunnel"): one tunnel to each of `servers` at the same time,
 * each reconnected as soon as it closes, with its own exponential backoff and jitter while connecting to it
 * fails. New streams spread over the live tunnels: the one carrying the fewest streams (ties taken in turn),
 * skipping congested tunnels while an uncongested one is up; when a server dies its tunnel's streams end and
 * new streams go to the others (failover). Callers ask for `tunnel()` (a live one, or the next) or
 * `openStream(meta)`.
 */
import { EventEmitter } from 'node:events';
import { RelayError } from './errors.js';
import { dialRelay, type DialOptions, type RelayServerAddress } from './dial.js';
import type { EntryHandshakeOptions } from './handshake.js';
import type { StreamMeta } from './frames.js';
import type { RelayStream } from './stream.js';
import type { RelayTunnel } from './tunnel.js';

export interface RelayConnectorOptions extends DialOptions, EntryHandshakeOptions {
  servers: readonly RelayServerAddress[];
  /** First retry delay (default 200 ms), doubled per consecutive failure up to `maxBackoffMs` (default 30 s). */
  initialBackoffMs?: number;
  maxBackoffMs?: number;
}

export interface RelayConnectorEvents {
  up: [tunnel: RelayTunnel, server: RelayServerAddress];
  down: [server: RelayServerAddress, err?: RelayError];
  /** A connection attempt failed; the connector retries that server after `delayMs`. */
  retry: [server: RelayServerAddress, err: Error, delayMs: number];
}

/** One server's side of the connector: its live tunnel, its failures in a row, its retry timer. */
interface ServerSlot {
  readonly server: RelayServerAddress;
  tunnel: RelayTunnel | undefined;
  failures: number;
  connecting: boolean;
  timer: NodeJS.Timeout | undefined;
}

export class RelayConnector extends EventEmitter<RelayConnectorEvents> {
  private readonly slots: ServerSlot[];
  private waiters: ((t: RelayTunnel) => void)[] = [];
  /** Where the search for the least-loaded tunnel starts, advanced per pick: ties go round-robin. */
  private turn = 0;
  private stopped = false;

  constructor(private readonly options: RelayConnectorOptions) {
    super();
    if (options.servers.length === 0) throw new RelayError('transport-error', 'relay connector needs at least one server');
    this.slots = options.servers.map((server) => ({ server, tunnel: undefined, failures: 0, connecting: false, timer: undefined }));
  }

  start(): this {
    for (const slot of this.slots) this.connect(slot);
    return this;
  }

  /** The live tunnels, one per server that is up. */
  tunnels(): RelayTunnel[] {
    const live: RelayTunnel[] = [];
    for (const slot of this.slots) if (slot.tunnel !== undefined && !slot.tunnel.closed) live.push(slot.tunnel);
    return live;
  }

  /** The live tunnel a new stream should use (fewest streams, uncongested first), or the next one established. */
  tunnel(): Promise<RelayTunnel> {
    const picked = this.pick();
    if (picked !== undefined) return Promise.resolve(picked);
    if (this.stopped) return Promise.reject(new RelayError('transport-error', 'relay connector stopped'));
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  async openStream(meta: StreamMeta): Promise<RelayStream> {
    return (await this.tunnel()).openStream(meta);
  }

  close(): void {
    this.stopped = true;
    for (const slot of this.slots) {
      clearTimeout(slot.timer);
      slot.tunnel?.close();
      slot.tunnel = undefined;
    }
  }

  private pick(): RelayTunnel | undefined {
    const n = this.slots.length;
    let best: RelayTunnel | undefined;
    let bestScore = Infinity;
    for (let i = 0; i < n; i++) {
      const tunnel = this.slots[(this.turn + i) % n]!.tunnel;
      if (tunnel === undefined || tunnel.closed) continue;
      // A congested tunnel (its transport's queue is full) only takes streams when every tunnel is congested.
      const score = tunnel.streamCount + (tunnel.congested ? 1e9 : 0);
      if (score < bestScore) {
        best = tunnel;
        bestScore = score;
      }
    }
    this.turn = (this.turn + 1) % n;
    return best;
  }

  private connect(slot: ServerSlot): void {
    if (this.stopped || slot.connecting) return;
    slot.connecting = true;
    const { server } = slot;
    dialRelay(server, this.options).then(
      (tunnel) => {
        slot.connecting = false;
        if (this.stopped) {
          tunnel.close();
          return;
        }
        slot.failures = 0;
        slot.tunnel = tunnel;
        tunnel.once('close', (err) => {
          if (slot.tunnel === tunnel) slot.tunnel = undefined;
          this.emit('down', server, err);
          this.connect(slot);
        });
        this.emit('up', tunnel, server);
        const waiting = this.waiters;
        this.waiters = [];
        for (const w of waiting) w(tunnel);
      },
      (err: Error) => {
        slot.connecting = false;
        if (this.stopped) return;
        slot.failures++;
        const base = Math.min(this.options.maxBackoffMs ?? 30_000, (this.options.initialBackoffMs ?? 200) * 2 ** (slot.failures - 1));
        const delayMs = Math.round(base * (0.5 + Math.random() / 2));
        this.emit('retry', server, err, delayMs);
        slot.timer = setTimeout(() => this.connect(slot), delayMs);
      },
    );
  }
}
