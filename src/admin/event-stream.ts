/**
 * The live security-event stream behind `/api/v1/events` (WebSocket, RFC 6455, served by uWS).
 *
 * Each subscriber owns a bounded queue. Publishing only serialises the event once and appends it to every
 * queue (dropping the oldest entry when a queue is full), then schedules one flush for later, so the data
 * plane that emitted the event never waits on a socket. A flush writes while the socket's buffered amount
 * (uWS getBufferedAmount) stays under a high-water mark and resumes on the `drain` callback. A subscriber that
 * lost events first receives `{"type":"stream.dropped","details":{"count":N}}` with the number lost.
 * A stream lives only as long as the credential that opened it: `recheck()` (run by the server periodically
 * and after every audited change) closes with 1008 (RFC 6455 §7.4.1, policy violation) each subscriber whose
 * token or session was revoked or has expired.
 */
import type { WebSocket } from 'uWebSockets.js';
import type { EventBus, SecurityEvent } from '../events.js';

export interface SubscriberData {
  principal: string;
  /** The token or session id the upgrade presented, re-checked by recheck(); never logged or sent. */
  credential: string;
  subscriber?: Subscriber;
}

export interface Subscriber {
  ws: WebSocket<SubscriberData>;
  queue: string[];
  /** Dropped and not yet reported to the client. */
  pendingDropped: number;
  droppedTotal: number;
  delivered: number;
  closed: boolean;
}

export interface EventStreamOptions {
  queueLimit: number;
  /** Stop writing while uWS holds more than this many bytes for the socket. */
  highWaterBytes?: number;
}

export class EventStream {
  private readonly subscribers = new Set<Subscriber>();
  private readonly highWater: number;
  private flushScheduled = false;
  private readonly onSecurityEvent = (event: SecurityEvent) => this.publish(event);

  constructor(
    private readonly bus: EventBus,
    private readonly options: EventStreamOptions,
  ) {
    this.highWater = options.highWaterBytes ?? 64 * 1024;
    bus.on('security.event', this.onSecurityEvent);
  }

  attach(ws: WebSocket<SubscriberData>): void {
    const subscriber: Subscriber = { ws, queue: [], pendingDropped: 0, droppedTotal: 0, delivered: 0, closed: false };
    ws.getUserData().subscriber = subscriber;
    this.subscribers.add(subscriber);
  }

  detach(ws: WebSocket<SubscriberData>): void {
    const subscriber = ws.getUserData().subscriber;
    if (!subscriber) return;
    subscriber.closed = true;
    subscriber.queue.length = 0;
    this.subscribers.delete(subscriber);
  }

  /** uWS `drain`: the socket took some of its backlog; continue where the flush stopped. */
  drained(ws: WebSocket<SubscriberData>): void {
    const subscriber = ws.getUserData().subscriber;
    if (subscriber) this.flush(subscriber);
  }

  publish(event: SecurityEvent): void {
    if (this.subscribers.size === 0) return;
    const message = JSON.stringify(event);
    for (const subscriber of this.subscribers) {
      if (subscriber.queue.length >= this.options.queueLimit) {
        subscriber.queue.shift();
        subscriber.pendingDropped++;
        subscriber.droppedTotal++;
      }
      subscriber.queue.push(message);
    }
    if (!this.flushScheduled) {
      this.flushScheduled = true;
      setImmediate(() => {
        this.flushScheduled = false;
        for (const subscriber of this.subscribers) this.flush(subscriber);
      });
    }
  }

  /** Ends every stream whose credential no longer holds; returns how many were closed. */
  recheck(isLive: (credential: string) => boolean): number {
    let closed = 0;
    for (const subscriber of [...this.subscribers]) {
      if (isLive(subscriber.ws.getUserData().credential)) continue;
      subscriber.closed = true;
      this.subscribers.delete(subscriber);
      subscriber.ws.end(1008, 'credentials revoked or expired');
      closed++;
    }
    return closed;
  }

  stats(): { subscribers: number; queued: number[]; dropped: number[]; delivered: number[] } {
    const list = [...this.subscribers];
    return {
      subscribers: list.length,
      queued: list.map((s) => s.queue.length),
      dropped: list.map((s) => s.droppedTotal),
      delivered: list.map((s) => s.delivered),
    };
  }

  close(): void {
    this.bus.off('security.event', this.onSecurityEvent);
    for (const subscriber of [...this.subscribers]) {
      subscriber.closed = true;
      this.subscribers.delete(subscriber);
      subscriber.ws.end(1001, 'admin plane closing');
    }
  }

  private flush(subscriber: Subscriber): void {
    if (subscriber.closed) return;
    const { ws } = subscriber;
    ws.cork(() => {
      while (subscriber.queue.length > 0 && ws.getBufferedAmount() < this.highWater) {
        if (subscriber.pendingDropped > 0) {
          const count = subscriber.pendingDropped;
          subscriber.pendingDropped = 0;
          ws.send(
            JSON.stringify({
              type: 'stream.dropped',
              severity: 'low',
              at: Date.now(),
              message: `${count} events dropped (slow subscriber)`,
              details: { count },
            }),
          );
          continue;
        }
        const message = subscriber.queue.shift()!;
        if (ws.send(message) === 2) {
          subscriber.pendingDropped++;
          subscriber.droppedTotal++;
        } else {
          subscriber.delivered++;
        }
      }
    });
  }
}
