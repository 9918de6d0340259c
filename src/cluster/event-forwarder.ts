/**
 * A worker's data-plane events on the primary's admin event stream (/api/v1/events, docs/admin-api.md): the
 * connection events (accepted, refused, fronted, closed), failed handshakes, replays and refused users are
 * turned into stream entries here and sent to the primary in batches — one IPC message per `flushMs` at most,
 * at most `maxPerFlush` entries in it; what is over is counted and reported as one `events.dropped` entry — so
 * a flood of connections costs the channel a bounded rate, and relayed bytes never reach it. The primary
 * publishes them on the stream as they are (not on its bus: they are neither audited nor counted twice).
 */
import type { ConnectionRef, EventBus, MtShieldEvents, SecurityEvent } from '../events.js';
import type { IpcChannel } from '../state/ipc-channel.js';
import { GROUP_TAG, type GroupMessage } from './group-messages.js';

/** The data-plane events a worker forwards, with the severity each shows with on the stream. */
const FORWARDED = {
  'connection.accepted': 'info',
  'connection.refused': 'low',
  'connection.fronted': 'low',
  'connection.closed': 'info',
  'handshake.failed': 'low',
  'replay.detected': 'medium',
  'user.refused': 'low',
} as const satisfies Partial<Record<keyof MtShieldEvents, SecurityEvent['severity']>>;

type Forwarded = keyof typeof FORWARDED;

export interface EventForwarderOptions {
  /** Batch interval (default 250 ms). */
  flushMs?: number;
  /** Entries per batch; more in one interval are counted, not sent (default 200). */
  maxPerFlush?: number;
  /** Who sent them, in each entry's details (the worker's slot). */
  worker?: string;
}

const ignore = (): void => {};

export class EventForwarder {
  private batch: SecurityEvent[] = [];
  private dropped = 0;
  private readonly timer: NodeJS.Timeout;
  private readonly maxPerFlush: number;
  private readonly detach: (() => void)[] = [];

  constructor(
    bus: EventBus,
    private readonly channel: IpcChannel,
    private readonly options: EventForwarderOptions = {},
  ) {
    this.maxPerFlush = options.maxPerFlush ?? 200;
    for (const name of Object.keys(FORWARDED) as Forwarded[]) {
      const listener = (event: ConnectionRef & Record<string, unknown>): void => this.add(name, event);
      bus.on(name, listener as never);
      this.detach.push(() => bus.off(name, listener as never));
    }
    this.timer = setInterval(() => this.flush(), options.flushMs ?? 250);
    this.timer.unref();
  }

  private add(type: Forwarded, event: ConnectionRef & Record<string, unknown>): void {
    if (this.batch.length >= this.maxPerFlush) {
      this.dropped++;
      return;
    }
    const { remoteAddress, user, id: _id, remotePort: _port, localAddress: _local, localPort: _localPort, ...rest } = event;
    const details: Record<string, unknown> = { ...rest, worker: this.options.worker };
    const reason = typeof rest.reason === 'string' ? ` (${rest.reason})` : '';
    this.batch.push({ type, severity: FORWARDED[type], at: Date.now(), message: `${type}${reason}`, ip: remoteAddress, user: typeof user === 'string' ? user : undefined, details });
  }

  /** Sends what is batched (and the count of what was not) as one message. */
  flush(): void {
    if (this.dropped > 0) {
      this.batch.push({ type: 'events.dropped', severity: 'low', at: Date.now(), message: `${this.dropped} data-plane events not forwarded (rate limit)`, details: { count: this.dropped, worker: this.options.worker } });
      this.dropped = 0;
    }
    if (this.batch.length === 0) return;
    const events = this.batch;
    this.batch = [];
    this.channel.send({ mtshield: GROUP_TAG, type: 'data-events', events } satisfies GroupMessage, ignore);
  }

  close(): void {
    clearInterval(this.timer);
    for (const off of this.detach.splice(0)) off();
    this.flush();
  }
}
