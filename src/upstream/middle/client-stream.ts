/**
 * One client's stream over a shared middle-proxy link (docs/protocol.md "Middle proxy"): a small socket-like
 * object the upstream adapter drives. It carries whole MTProto packets, not bytes: write() sends one packet of
 * the client as one RPC_PROXY_REQ, 'data' delivers one packet of an RPC_PROXY_ANS.
 *
 * Events: 'data' (packet: Buffer, owned), 'quickack' (confirm: number, the token for the client's quick-ack),
 * 'drain', 'end' (the middle proxy closed this client), 'close' (error | undefined), 'error' (only when a
 * listener is attached). Backpressure is per client: pause() queues this client's answers (up to
 * `maxBuffered` bytes, then this client alone is dropped) while the link keeps reading for everyone else.
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

export class MiddleClientStream extends EventEmitter {
  private paused = false;
  private readonly queue: Buffer[] = [];
  private queuedBytes = 0;
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
    while (!this.paused && this.open && this.queue.length > 0) {
      const packet = this.queue.shift()!;
      this.queuedBytes -= packet.length;
      this.emit('data', packet);
    }
    return this;
  }

  /** Link side: an answer for this client. */
  deliver(packet: Buffer): void {
    if (!this.open) return;
    if (!this.paused && this.queue.length === 0) {
      this.emit('data', packet);
      return;
    }
    this.queue.push(packet);
    this.queuedBytes += packet.length;
    if (this.queuedBytes > this.maxBuffered) {
      this.finish(true, new MiddleProtocolError('ERR_PROTOCOL_MIDDLE_CLIENT_OVERFLOW', 'a paused client fell too far behind its answers'));
    }
  }

  /** Link side: the quick-ack token the client asked for. */
  quickAck(confirm: number): void {
    if (this.open) this.emit('quickack', confirm);
  }

  /** Link side: the middle proxy closed this client (RPC_CLOSE_EXT). Queued answers are dropped. */
  remoteClose(): void {
    if (!this.open) return;
    this.emit('end');
    this.finish(false, undefined);
  }

  /** Link side: the link's socket drained. */
  linkDrained(): void {
    if (this.open && this.needDrain) {
      this.needDrain = false;
      this.emit('drain');
    }
  }

  /** Link side: the link died under this client. */
  linkClosed(err: Error): void {
    this.finish(false, err);
  }

  private finish(tellProxy: boolean, err: Error | undefined): void {
    if (!this.open) return;
    this.open = false;
    this.queue.length = 0;
    this.queuedBytes = 0;
    this.link.release(this, tellProxy);
    if (err && this.listenerCount('error') > 0) this.emit('error', err);
    this.emit('close', err);
  }
}
