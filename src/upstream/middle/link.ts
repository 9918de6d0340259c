/**
 * MiddleLink: one TCP connection to a Telegram middle proxy carrying many clients (docs/protocol.md "Middle
 * proxy"). Connects, runs the handshake (handshake.ts), then multiplexes clients by 64-bit connection id:
 * RPC_PROXY_REQ out for each client packet, RPC_PROXY_ANS / RPC_SIMPLE_ACK / RPC_CLOSE_EXT dispatched to the
 * client they name, RPC_PING answered with RPC_PONG, RPC_CLOSE_CONN sent when a client leaves. When the link
 * dies every client on it is closed with the reason.
 *
 * Connection ids: a random high word per link and a counter in the low word, so the dispatch reads two u32s and
 * looks up a number (no BigInt per answer). Answers for ids no longer open are dropped (they can be in flight).
 */
import { EventEmitter } from 'node:events';
import { connect, type Socket } from 'node:net';
import { randomBytes } from 'node:crypto';
import { RpcChannel, type CbcSource } from './rpc-channel.js';
import { clientHandshake, type HandshakeResult } from './handshake.js';
import { MiddleClientStream, DEFAULT_MAX_CLIENT_BUFFER, type ClientLinkSide, type MiddleClientOptions } from './client-stream.js';
import { proxyReqFlags, proxyReqTemplate, writeProxyReq, encodeCloseConn, encodeIdMessage, ANS_HEADER } from './messages.js';
import { BODY_OFFSET } from './frame-codec.js';
import { RPC_CLOSE_CONN, RPC_CLOSE_EXT, RPC_PING, RPC_PONG, RPC_PROXY_ANS, RPC_SIMPLE_ACK } from './constants.js';
import { MiddleProtocolError } from './errors.js';
import type { CrcKind } from './crc.js';

export interface MiddleLinkOptions {
  host: string;
  port: number;
  /** The bytes getProxySecret serves. */
  proxySecret: Uint8Array;
  /** The kernel registry (its CBC picks the backend per packet size). */
  registry: CbcSource;
  localAddress?: string | undefined;
  /** Public addresses for the key derivation behind NAT (config nat_ip / nat_ip6). */
  natIp?: string | undefined;
  natIp6?: string | undefined;
  /** Offer CRC32-C in the handshake (default false: CRC32, what every middle proxy accepts). */
  crc32c?: boolean | undefined;
  /** Connect plus handshake deadline (default 10 s). */
  handshakeTimeoutMs?: number | undefined;
  /** Largest RPC payload accepted from the middle proxy (default 16 MiB). */
  maxPayload?: number | undefined;
  /** Answers held for one paused client before it alone is dropped (default 4 MiB). */
  maxClientBuffer?: number | undefined;
}

export class MiddleLink extends EventEmitter implements ClientLinkSide {
  /** Packets of a type this link does not know (ignored, counted). */
  unknownPackets = 0;
  private readonly streams = new Map<number, MiddleClientStream>();
  private readonly idHigh = randomBytes(4).readUInt32LE(0);
  private nextIdLow = 1;
  private closedWith: Error | undefined;
  private isClosed = false;
  private readonly maxClientBuffer: number;

  private constructor(
    private readonly socket: Socket,
    private readonly channel: RpcChannel,
    options: MiddleLinkOptions,
  ) {
    super();
    this.maxClientBuffer = options.maxClientBuffer ?? DEFAULT_MAX_CLIENT_BUFFER;
    socket.on('error', (err) => {
      this.closedWith ??= err;
    });
    socket.on('close', () => this.close(this.closedWith));
    socket.on('drain', this.onDrain);
  }

  /** Opens the TCP connection and completes the handshake; rejects with a MiddleProtocolError (or socket error). */
  static async connect(options: MiddleLinkOptions): Promise<MiddleLink> {
    const deadline = Date.now() + (options.handshakeTimeoutMs ?? 10_000);
    const socket = connect({ host: options.host, port: options.port, localAddress: options.localAddress, noDelay: true });
    await new Promise<void>((resolve, reject) => {
      const settle = (err?: Error) => {
        clearTimeout(timer);
        socket.removeListener('error', settle);
        if (err === undefined) return resolve();
        socket.destroy();
        reject(err);
      };
      const timer = setTimeout(
        () => settle(new MiddleProtocolError('ERR_PROTOCOL_MIDDLE_HANDSHAKE_TIMEOUT', 'could not connect to the middle proxy in time')),
        Math.max(0, deadline - Date.now()),
      );
      socket.once('connect', () => settle());
      socket.once('error', settle);
    });
    const channel = new RpcChannel(socket, { maxPayload: options.maxPayload });
    const link = new MiddleLink(socket, channel, options);
    try {
      link.handshake = await clientHandshake(
        channel,
        { ...options, timeoutMs: Math.max(1, deadline - Date.now()) },
        link.onPacket,
      );
    } catch (err) {
      link.close(err instanceof Error ? err : new Error(String(err)));
      throw err;
    }
    channel.onFailure = (err) => link.close(err instanceof Error ? err : new Error(String(err)));
    return link;
  }

  /** The peer's handshake (negotiated checksum, its process id). */
  handshake: HandshakeResult | undefined;

  get crc(): CrcKind | undefined {
    return this.handshake?.crc;
  }

  get clientCount(): number {
    return this.streams.size;
  }

  get closed(): boolean {
    return this.isClosed;
  }

  /** The middle proxy's "host:port" (for events and logs). */
  get peer(): string {
    return this.socket.remoteAddress?.includes(':') ? `[${this.socket.remoteAddress}]:${this.socket.remotePort}` : `${this.socket.remoteAddress}:${this.socket.remotePort}`;
  }

  /** Local end of the link (what the key derivation used unless NAT addresses were set). */
  get localAddress(): { ip: string; port: number } {
    return { ip: this.socket.localAddress ?? '', port: this.socket.localPort ?? 0 };
  }

  /** A new client on this link. Throws ERR_PROTOCOL_MIDDLE_LINK_CLOSED once the link is closed. */
  openClient(options: MiddleClientOptions): MiddleClientStream {
    if (this.isClosed) throw new MiddleProtocolError('ERR_PROTOCOL_MIDDLE_LINK_CLOSED', 'the middle-proxy link is closed');
    const low = this.nextIdLow;
    this.nextIdLow = this.nextIdLow === 0xffffffff ? 1 : this.nextIdLow + 1;
    const connId = (BigInt(this.idHigh) << 32n) | BigInt(low);
    const template = proxyReqTemplate({ connId, client: options.client, proxy: options.proxy, adTag: options.adTag });
    const stream = new MiddleClientStream(this, connId, options.framing, template, options.adTag !== undefined, this.maxClientBuffer);
    this.streams.set(low, stream);
    return stream;
  }

  /** Sends RPC_PING (keep-alive); the middle proxy's RPC_PONG comes back as a 'pong' event with the id. */
  ping(pingId: bigint): boolean {
    return !this.isClosed && this.channel.sendPayload(encodeIdMessage(RPC_PING, pingId));
  }

  /** Closes the link and every client on it (with `err` as their reason). */
  close(err?: Error): void {
    if (this.isClosed) return;
    this.isClosed = true;
    this.channel.dispose();
    this.socket.destroy();
    const reason = err ?? new MiddleProtocolError('ERR_PROTOCOL_MIDDLE_LINK_CLOSED', 'the middle-proxy link closed');
    const streams = [...this.streams.values()];
    this.streams.clear();
    for (const s of streams) s.linkClosed(reason);
    this.emit('close', err);
  }

  sendRequest(stream: MiddleClientStream, packet: Uint8Array, quickAck: boolean): boolean {
    if (this.isClosed) return false;
    if (packet.length % 4 !== 0) throw new MiddleProtocolError('ERR_PROTOCOL_MIDDLE_MESSAGE', 'an MTProto packet is a whole number of 4-byte words');
    const bodyLength = stream.template.length + packet.length;
    const frame = this.channel.packet(bodyLength);
    writeProxyReq(frame, BODY_OFFSET, stream.template, proxyReqFlags(stream.framing, stream.hasAdTag, quickAck, packet), packet);
    return this.channel.send(frame, bodyLength);
  }

  release(stream: MiddleClientStream, tellProxy: boolean): void {
    const low = Number(stream.connId & 0xffffffffn);
    if (this.streams.get(low) !== stream) return;
    this.streams.delete(low);
    if (tellProxy && !this.isClosed) this.channel.sendPayload(encodeCloseConn(stream.connId));
  }

  private lookup(payload: Buffer, at: number): MiddleClientStream | undefined {
    if (payload.readUInt32LE(at + 4) !== this.idHigh) return undefined;
    return this.streams.get(payload.readUInt32LE(at));
  }

  private readonly onPacket = (payload: Buffer): void => {
    const bad = (what: string) => new MiddleProtocolError('ERR_PROTOCOL_MIDDLE_MESSAGE', `${what} has a wrong length`);
    if (payload.length < 4) throw bad('a packet');
    switch (payload.readUInt32LE(0)) {
      case RPC_PROXY_ANS: {
        if (payload.length < ANS_HEADER) throw bad('RPC_PROXY_ANS');
        // borrowed from the decoder's buffer: the client frames it in place and the relay copies only what it keeps
        this.lookup(payload, 8)?.deliver(payload, ANS_HEADER);
        return;
      }
      case RPC_SIMPLE_ACK:
        if (payload.length !== 16) throw bad('RPC_SIMPLE_ACK');
        this.lookup(payload, 4)?.quickAck(payload.readUInt32LE(12));
        return;
      case RPC_CLOSE_EXT:
      case RPC_CLOSE_CONN:
        if (payload.length !== 12) throw bad('RPC_CLOSE_EXT');
        this.lookup(payload, 4)?.remoteClose();
        return;
      case RPC_PING: {
        if (payload.length !== 12) throw bad('RPC_PING');
        const pong = Buffer.from(payload);
        pong.writeUInt32LE(RPC_PONG, 0);
        this.channel.sendPayload(pong);
        return;
      }
      case RPC_PONG:
        if (payload.length !== 12) throw bad('RPC_PONG');
        this.emit('pong', payload.readBigUInt64LE(4));
        return;
      default:
        this.unknownPackets++;
    }
  };

  private readonly onDrain = (): void => {
    for (const s of this.streams.values()) s.linkDrained();
  };
}
