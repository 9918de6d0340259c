/**
 * Keeps the entry connected (docs/protocol.md "Relay tunnel"): one tunnel at a time to one of `servers`, a new
 * one as soon as it closes, exponential backoff with jitter while connecting fails, and failover to the next
 * server after each failure. Callers ask for `tunnel()` (the live one, or the next) or `openStream(meta)`.
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
  /** A connection attempt failed; the connector retries after `delayMs`. */
  retry: [server: RelayServerAddress, err: Error, delayMs: number];
}

export class RelayConnector extends EventEmitter<RelayConnectorEvents> {
  private current: RelayTunnel | undefined;
  private waiters: ((t: RelayTunnel) => void)[] = [];
  private serverIndex = 0;
  private failures = 0;
  private stopped = false;
  private connecting = false;
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly options: RelayConnectorOptions) {
    super();
    if (options.servers.length === 0) throw new RelayError('transport-error', 'relay connector needs at least one server');
  }

  start(): this {
    this.connect();
    return this;
  }

  /** The live tunnel, or the next one established. */
  tunnel(): Promise<RelayTunnel> {
    if (this.current !== undefined && !this.current.closed) return Promise.resolve(this.current);
    if (this.stopped) return Promise.reject(new RelayError('transport-error', 'relay connector stopped'));
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  async openStream(meta: StreamMeta): Promise<RelayStream> {
    return (await this.tunnel()).openStream(meta);
  }

  close(): void {
    this.stopped = true;
    clearTimeout(this.timer);
    this.current?.close();
    this.current = undefined;
  }

  private connect(): void {
    if (this.stopped || this.connecting) return;
    this.connecting = true;
    const server = this.options.servers[this.serverIndex % this.options.servers.length]!;
    dialRelay(server, this.options).then(
      (tunnel) => {
        this.connecting = false;
        if (this.stopped) {
          tunnel.close();
          return;
        }
        this.failures = 0;
        this.current = tunnel;
        tunnel.once('close', (err) => {
          if (this.current === tunnel) this.current = undefined;
          this.emit('down', server, err);
          this.connect();
        });
        this.emit('up', tunnel, server);
        const waiting = this.waiters;
        this.waiters = [];
        for (const w of waiting) w(tunnel);
      },
      (err: Error) => {
        this.connecting = false;
        if (this.stopped) return;
        this.failures++;
        this.serverIndex++; // fail over to the next server
        const base = Math.min(this.options.maxBackoffMs ?? 30_000, (this.options.initialBackoffMs ?? 200) * 2 ** (this.failures - 1));
        const delayMs = Math.round(base * (0.5 + Math.random() / 2));
        this.emit('retry', server, err, delayMs);
        this.timer = setTimeout(() => this.connect(), delayMs);
      },
    );
  }
}
