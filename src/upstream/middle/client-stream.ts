/**
 * One client's stream over a shared middle-proxy link (docs/protocol.md "Middle proxy"): a small socket-like
 * object the upstream adapter drives. It carries whole MTProto packets, not bytes: write() sends one packet of
 * the client as one RPC_PROXY_REQ, 'data' delivers one packet of an RPC_PROXY_ANS.
 *
 * Two ways to listen. The relay's endpoint (client-endpoint.ts) attaches itself as the one ClientStreamSink:
 * plain method calls, no listener or closure per client, and answers as borrowed views into the link's receive
 * buffer. Without a sink the stream is an EventEmitter: 'data' (packet: Buffer, owned), 'quickack' (confirm:
 * number, the token for the client's quick-ack), 'drain', 'end' (the middle proxy closed this client), 'close'
 * (error | undefined), 'error' (only when a listener is attached).
 *
 * Backpressure is per client: pause() queues this client's answers (copied; up to `maxBuffered` bytes, then this
 * client alone is dropped) while the link keeps reading for everyone else.
 */
import { EventEmitter } from 'node:events';
import type { FramingKind } from '../../protocol/framing.js';
import type { LinkAddress } from './addresses.js';
import { MiddleProtocolError } from './errors.js';

/** What a client needs from the link it rides on (MiddleLink implements it). */
export interface ClientLinkSide {
  /** Sends one packet as RPC_PROXY_REQ; false when the link's socket buffer is full (wait for 'drain'). */
  sendRequest(stream: MiddleClientStream, packet: Uint8Array, quickAck: boolean): boolean;
  /** Forgets the client; `tellProxy` sends RPC_CLOSE_CONN. */
  release(stream: MiddleClientStream, tellProxy: boolean): void;
}

export interface MiddleClientOptions {
  /** The real client's address and port (sent to the middle proxy). */
  client: LinkAddress;
  /** Our address and port as the client connected to them. */
  proxy: LinkAddress;
  /** The client's MTProto transport framing (selects the request flags). */
  framing: FramingKind;
  /** 16-byte ad tag, sent with every request when set. */
  adTag?: Uint8Array | undefined;
}

export const DEFAULT_MAX_CLIENT_BUFFER = 4 * 1024 * 1024;

/** Room kept before a queued answer's packet for the client's frame header (as the RPC_PROXY_ANS header gives). */
export const ANSWER_HEADROOM = 4;

/** The one listener of a stream (the client endpoint): what the events would carry, as method calls. */
export interface ClientStreamSink {
  /** An answer: the packet is `payload[at…]`, borrowed until the call returns; the 4 bytes before `at` are free to overwrite. */
  onAnswer(payload: Buffer, at: number): void;
  onQuickAck(confirm: number): void;
  onLinkDrain(): void;
  onRemoteEnd(): void;
  onStreamClose(err: Error | undefined): void;
}

export class MiddleClientStream extends EventEmitter {
  private paused = false;
  /** Answers held while paused, each with ANSWER_HEADROOM bytes before its packet (made at the first pause). */
  private queue: Buffer[] | undefined;
  private queuedBytes = 0;
  private sink: ClientStreamSink | undefined;
  private open = true;
  /** A write returned false; 'drain' is owed. */
  needDrain = false;

  constructor(
    private readonly link: ClientLinkSide,
    readonly connId: bigint,
    readonly framing: FramingKind,
    /** This client's constant RPC_PROXY_REQ header (messages.ts proxyReqTemplate). */
    readonly template: Buffer,
    readonly hasAdTag: boolean,
    private readonly maxBuffered: number,
  ) {
    super();
  }

  /** Routes every event to `sink` from now on instead of emitting it. */
  attach(sink: ClientStreamSink): void {
    this.sink = sink;
  }

  get destroyed(): boolean {
    return !this.open;
  }

  /** Bytes of answers held while paused. */
  get bufferedAnswers(): number {
    return this.queuedBytes;
  }

  /** Sends one whole MTProto packet (a multiple of 4 bytes); `quickAck`: the client asked for one. */
  write(packet: Uint8Array, quickAck = false): boolean {
    if (!this.open) return false;
    const ok = this.link.sendRequest(this, packet, quickAck);
    if (!ok) this.needDrain = true;
    return ok;
  }

  /** The client left: tells the middle proxy (RPC_CLOSE_CONN) and closes. */
  end(): void {
    this.finish(true, undefined);
  }

  destroy(err?: Error): void {
    this.finish(true, err);
  }

  pause(): this {
    this.paused = true;
    return this;
  }

  resume(): this {
    this.paused = false;
    const queue = this.queue;
    while (!this.paused && this.open && queue !== undefined && queue.length > 0) {
      const held = queue.shift()!;
      this.queuedBytes -= held.length - ANSWER_HEADROOM;
      this.answer(held, ANSWER_HEADROOM);
    }
    return this;
  }

  /** Link side: an answer for this client, `payload[at…]` (borrowed; `at` ≥ ANSWER_HEADROOM). */
  deliver(payload: Buffer, at: number): void {
    if (!this.open) return;
    if (!this.paused && (this.queue === undefined || this.queue.length === 0)) {
      this.answer(payload, at);
      return;
    }
    const held = Buffer.allocUnsafe(ANSWER_HEADROOM + payload.length - at);
    payload.copy(held, ANSWER_HEADROOM, at);
    (this.queue ??= []).push(held);
    this.queuedBytes += held.length - ANSWER_HEADROOM;
    if (this.queuedBytes > this.maxBuffered) {
      this.finish(true, new MiddleProtocolError('ERR_PROTOCOL_MIDDLE_CLIENT_OVERFLOW', 'a paused client fell too far behind its answers'));
    }
  }

  /** Link side: the quick-ack token the client asked for. */
  quickAck(confirm: number): void {
    if (!this.open) return;
    if (this.sink) this.sink.onQuickAck(confirm);
    else this.emit('quickack', confirm);
  }

  /** Link side: the middle proxy closed this client (RPC_CLOSE_EXT). Queued answers are dropped. */
  remoteClose(): void {
    if (!this.open) return;
    if (this.sink) this.sink.onRemoteEnd();
    else this.emit('end');
    this.finish(false, undefined);
  }

  /** Link side: the link's socket drained. */
  linkDrained(): void {
    if (this.open && this.needDrain) {
      this.needDrain = false;
      if (this.sink) this.sink.onLinkDrain();
      else this.emit('drain');
    }
  }

  /** Link side: the link died under this client. */
  linkClosed(err: Error): void {
    this.finish(false, err);
  }

  private finish(tellProxy: boolean, err: Error | undefined): void {
    if (!this.open) return;
    this.open = false;
    this.queue = undefined;
    this.queuedBytes = 0;
    this.link.release(this, tellProxy);
    if (this.sink) return this.sink.onStreamClose(err);
    if (err && this.listenerCount('error') > 0) this.emit('error', err);
    this.emit('close', err);
  }

  private answer(payload: Buffer, at: number): void {
    if (this.sink) this.sink.onAnswer(payload, at);
    else this.emit('data', Buffer.from(payload.subarray(at))); // listeners own what they get
  }
}
