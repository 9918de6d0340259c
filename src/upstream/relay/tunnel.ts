/**
 * An established relay tunnel (docs/protocol.md "Relay tunnel"): records in both directions over one transport,
 * the stream multiplexer on top, keepalives, and rekeying without a pause (after `rekeyBytes` sent or every
 * `rekeyAfterMs`, a KEY_UPDATE frame is the last record under the old key; each direction rekeys on its own).
 *
 * Any record failure (authentication, replay, reordering, truncation) ends the tunnel: `onFailure(err)` is called
 * once with a RelayError whose `reason` the caller writes to the audit log, every stream closes with the error,
 * and the transport is destroyed. A stream's RESET or a flow-control violation ends that stream only.
 */
import { EventEmitter } from 'node:events';
import { randomBytes } from 'node:crypto';
import type { Aead } from '../../kernels/index.js';
import { RelayError, RelayStreamResetError } from './errors.js';
import { decodeOpen, FRAME_HEADER_LENGTH, FrameType, FrameWriter, frameStream, readU32, type StreamMeta } from './frames.js';
import { RecordOpener, RecordSealer } from './records.js';
import { RelayStream, type StreamHost } from './stream.js';
import type { RelaySuite } from './suites.js';
import type { RelayTransport } from './transport.js';
import type { RelayRecordMetrics } from './metrics.js';

export type TunnelRole = 'entry' | 'exit';

export interface TunnelTuning {
  /** Bytes sent under one key before a rekey (default 1 GiB). */
  rekeyBytes?: number;
  /** Time under one key before a rekey (default 1 h); applied at the next record sent. */
  rekeyAfterMs?: number;
  /** PING interval (default 15 s); the tunnel fails after 3 intervals without any record from the peer. */
  keepaliveMs?: number;
  /** Per-stream flow-control window in bytes (default 256 KiB). */
  streamWindow?: number;
  /** Called once when the tunnel fails (not on a clean close): write the audit event here. */
  onFailure?: (err: RelayError) => void;
  /** Per-record byte counts per suite (and, in RelayCryptoCounters, per kernel backend). */
  metrics?: RelayRecordMetrics;
}

export interface TunnelKeys {
  suite: RelaySuite;
  sendKey: Uint8Array;
  receiveKey: Uint8Array;
  /** The peer's static public key (the exit: the entry's key it admitted; the entry: the pinned key). */
  peerStatic: Uint8Array;
}

/** Byte counters per direction, for metrics (bytes per suite and backend). */
export interface TunnelCounters {
  recordsSent: number;
  recordsReceived: number;
  bytesSent: number;
  bytesReceived: number;
  rekeysSent: number;
  rekeysReceived: number;
}

export interface RelayTunnelEvents {
  /** Exit side: the entry opened a stream. */
  stream: [stream: RelayStream];
  /** The tunnel is over; `err` set when it failed. */
  close: [err?: RelayError];
}

const GIB = 1024 ** 3;

export class RelayTunnel extends EventEmitter<RelayTunnelEvents> implements StreamHost {
  readonly suite: RelaySuite;
  readonly peerStatic: Uint8Array;
  readonly counters: TunnelCounters = { recordsSent: 0, recordsReceived: 0, bytesSent: 0, bytesReceived: 0, rekeysSent: 0, rekeysReceived: 0 };
  private readonly sealer: RecordSealer;
  private readonly opener: RecordOpener;
  private readonly frames = new FrameWriter();
  private readonly streams = new Map<number, RelayStream>();
  private readonly drainWaiters = new Set<RelayStream>();
  private readonly rekeyBytes: number;
  private readonly window: number;
  private nextStreamId = 1;
  private sentSinceRekey = 0;
  private rekeyDue = false;
  /** A record arrived since the last keepalive tick (a flag: no clock read per record). */
  private heard = true;
  private silentTicks = 0;
  private closedFlag = false;
  private congestedFlag = false;
  private readonly timers: NodeJS.Timeout[] = [];

  constructor(
    private readonly transport: RelayTransport,
    readonly role: TunnelRole,
    aead: Aead,
    keys: TunnelKeys,
    private readonly tuning: TunnelTuning = {},
  ) {
    super();
    this.suite = keys.suite;
    this.peerStatic = keys.peerStatic;
    this.rekeyBytes = tuning.rekeyBytes ?? GIB;
    this.window = tuning.streamWindow ?? 256 * 1024;
    this.sealer = new RecordSealer(aead, keys.sendKey, keys.suite);
    this.opener = new RecordOpener(aead, keys.receiveKey, keys.suite, (frame) => this.onFrame(frame));
    transport.bind({
      data: (chunk) => this.onBytes(chunk),
      drain: () => this.onDrain(),
      end: () => this.onEnd(),
      close: (error) => this.onTransportClose(error),
    });
    const keepaliveMs = tuning.keepaliveMs ?? 15_000;
    this.timers.push(setInterval(() => this.keepalive(keepaliveMs), keepaliveMs).unref());
    this.timers.push(setInterval(() => (this.rekeyDue = true), tuning.rekeyAfterMs ?? 3_600_000).unref());
  }

  get closed(): boolean {
    return this.closedFlag;
  }

  get congested(): boolean {
    return this.congestedFlag;
  }

  get streamCount(): number {
    return this.streams.size;
  }

  /** Entry side: opens a stream toward the exit, which receives `meta` with it. */
  openStream(meta: StreamMeta): RelayStream {
    if (this.closedFlag) throw new RelayError('transport-error', 'relay tunnel is closed');
    const id = this.nextStreamId++;
    const stream = new RelayStream(id, meta, this, this.window);
    this.streams.set(id, stream);
    this.send(this.frames.open(id, meta));
    return stream;
  }

  /** Records that arrived with the last handshake message: fed on the next turn, once listeners are attached. */
  feedEarly(bytes: Uint8Array): void {
    setImmediate(() => this.onBytes(bytes));
  }

  /** Clean close: streams are reset, the transport ends. */
  close(): void {
    this.shutdown(undefined);
    this.transport.end();
  }

  /** Ends the tunnel at once with a failure (reported through onFailure). */
  fail(err: RelayError): void {
    if (this.closedFlag) return;
    try {
      this.tuning.onFailure?.(err);
    } finally {
      this.shutdown(err);
      this.transport.destroy();
    }
  }

  // ---- StreamHost ----

  sendData(id: number, bytes: Uint8Array): void {
    this.send(this.frames.data(id, bytes));
  }

  sendWindow(id: number, credit: number): void {
    this.send(this.frames.u32(FrameType.WINDOW, id, credit));
  }

  sendClose(id: number): void {
    this.send(this.frames.empty(FrameType.CLOSE, id));
  }

  sendReset(id: number, reason: string): void {
    this.send(this.frames.reset(id, reason));
  }

  wantDrain(stream: RelayStream): void {
    this.drainWaiters.add(stream);
  }

  forget(id: number): void {
    const s = this.streams.get(id);
    this.streams.delete(id);
    if (s !== undefined) this.drainWaiters.delete(s);
  }

  // ---- sending ----

  private send(frame: Uint8Array): void {
    if (this.closedFlag) return;
    this.writeRecord(frame);
    if (this.sentSinceRekey >= this.rekeyBytes || this.rekeyDue) {
      // the KEY_UPDATE is the last record under the old key; the peer switches when it opens it
      this.writeRecord(this.frames.empty(FrameType.KEY_UPDATE, 0));
      this.sealer.rekey();
      this.sentSinceRekey = 0;
      this.rekeyDue = false;
      this.counters.rekeysSent++;
    }
  }

  private writeRecord(frame: Uint8Array): void {
    const record = this.sealer.seal(frame);
    this.sentSinceRekey += frame.length;
    this.counters.recordsSent++;
    this.counters.bytesSent += frame.length;
    this.tuning.metrics?.sealed(this.suite, frame.length);
    if (!this.transport.write(record)) this.congestedFlag = true;
  }

  private onDrain(): void {
    this.congestedFlag = false;
    if (this.drainWaiters.size === 0) return;
    const waiting = [...this.drainWaiters];
    this.drainWaiters.clear();
    for (const s of waiting) s.onTunnelDrain();
  }

  // ---- receiving ----

  private onBytes(chunk: Uint8Array): void {
    if (this.closedFlag) return;
    try {
      this.opener.feed(chunk);
    } catch (err) {
      this.fail(err instanceof RelayError ? err : new RelayError('frame-malformed', 'relay frame handling failed', { cause: err }));
    }
  }

  private onFrame(frame: Uint8Array): void {
    if (this.closedFlag) return;
    this.heard = true;
    this.counters.recordsReceived++;
    this.counters.bytesReceived += frame.length;
    this.tuning.metrics?.opened(this.suite, frame.length);
    const id = frameStream(frame);
    const type = frame[0];
    switch (type) {
      case FrameType.DATA: {
        const s = this.streams.get(id);
        if (s === undefined) return; // a stream we already closed: its late data is dropped
        if (!s.onData(frame.subarray(FRAME_HEADER_LENGTH))) s.destroy(new RelayStreamResetError(id, 'flow-control window exceeded'));
        return;
      }
      case FrameType.WINDOW:
        this.streams.get(id)?.onWindow(readU32(frame));
        return;
      case FrameType.OPEN:
        return this.onOpen(id, frame);
      case FrameType.CLOSE:
        this.streams.get(id)?.onRemoteClose();
        return;
      case FrameType.RESET:
        this.streams.get(id)?.onRemoteReset(Buffer.from(frame.buffer, frame.byteOffset + FRAME_HEADER_LENGTH, frame.length - FRAME_HEADER_LENGTH).toString('utf8'));
        return;
      case FrameType.PING:
        this.send(this.frames.ping(FrameType.PONG, frame.subarray(FRAME_HEADER_LENGTH)));
        return;
      case FrameType.PONG:
        return;
      case FrameType.KEY_UPDATE:
        this.opener.rekey();
        this.counters.rekeysReceived++;
        return;
      default:
        throw new RelayError('frame-malformed', `unknown frame type ${String(type)}`);
    }
  }

  private onOpen(id: number, frame: Uint8Array): void {
    if (this.role !== 'exit' || id === 0) throw new RelayError('frame-malformed', 'OPEN sent to the entry side');
    const meta = decodeOpen(frame);
    if (this.streams.has(id)) {
      this.sendReset(id, 'stream id in use');
      return;
    }
    const stream = new RelayStream(id, meta, this, this.window);
    this.streams.set(id, stream);
    this.emit('stream', stream);
  }

  private keepalive(intervalMs: number): void {
    if (this.closedFlag) return;
    this.silentTicks = this.heard ? 0 : this.silentTicks + 1;
    this.heard = false;
    if (this.silentTicks >= 3) {
      this.fail(new RelayError('keepalive-timeout', `no record from the peer for ${3 * intervalMs} ms`));
      return;
    }
    this.send(this.frames.ping(FrameType.PING, randomBytes(8)));
  }

  private onEnd(): void {
    if (this.opener.midRecord) this.fail(new RelayError('record-truncated', 'the connection ended inside a record'));
  }

  private onTransportClose(error?: Error): void {
    if (this.closedFlag) return;
    if (this.opener.midRecord) {
      this.fail(new RelayError('record-truncated', 'the connection ended inside a record'));
      return;
    }
    // a clean end at a record boundary, or the transport failed: not a protocol failure
    this.shutdown(error ? new RelayError('transport-error', `relay transport failed: ${error.message}`, { cause: error }) : undefined);
  }

  private shutdown(err: RelayError | undefined): void {
    if (this.closedFlag) return;
    this.closedFlag = true;
    for (const t of this.timers) clearInterval(t);
    const why = err ?? new RelayError('transport-error', 'relay tunnel closed');
    for (const s of [...this.streams.values()]) s.onTunnelClosed(why);
    this.streams.clear();
    this.drainWaiters.clear();
    this.sealer.destroy();
    this.opener.destroy();
    this.emit('close', err);
  }
}
