/**
 * A middle proxy for tests, on 127.0.0.1 (or ::1): the server side of the handshake (src/upstream/middle
 * serverHandshake), with its own CBC on node:crypto. It checks every frame (the decoder checks length, sequence
 * number and checksum; this file checks each request's type, flags, ad tag and addresses) and records what breaks
 * the protocol in `violations`. Each RPC_PROXY_REQ is answered with RPC_PROXY_ANS carrying answerFor(packet) —
 * the packet XOR 0xa5 — and, when quick-ack was asked, RPC_SIMPLE_ACK with quickAckToken(packet).
 * Knobs: `silent` (stop answering, handshake included), closeClient() (RPC_CLOSE_EXT), ping(), killLinks().
 */
import { createServer, type Server, type Socket } from 'node:net';
import {
  PROXY_FLAG_ABRIDGED,
  PROXY_FLAG_EXTMODE2,
  PROXY_FLAG_HAS_AD_TAG,
  PROXY_FLAG_INTERMEDIATE,
  PROXY_FLAG_MAGIC,
  PROXY_FLAG_NOT_ENCRYPTED,
  PROXY_FLAG_PAD,
  PROXY_FLAG_QUICKACK,
  RPC_CLOSE_CONN,
  RPC_PONG,
  RPC_PROXY_REQ,
  RpcChannel,
  crc32,
  encodeCloseExt,
  encodePing,
  encodeProxyAns,
  encodeSimpleAck,
  isPlaintextMtproto,
  parseMiddleMessage,
  parseProxyReq,
  serverHandshake,
  type HandshakeResult,
  type ProxyReq,
} from '../../../src/upstream/middle/index.js';
import { listenOnFreePort } from '../../helpers/net.js';
import { nodeCbc } from './node-cbc.js';

export function answerFor(packet: Uint8Array): Buffer {
  const out = Buffer.from(packet);
  for (let i = 0; i < out.length; i++) out[i]! ^= 0xa5;
  return out;
}

export function quickAckToken(packet: Uint8Array): number {
  return (crc32(packet) | 0x80000000) >>> 0;
}

export interface FakeMiddleOptions {
  proxySecret: Uint8Array;
  host?: string;
  /** Accept CRC32-C when the link offers it. */
  crc32c?: boolean;
  /** The client's public address for the key derivation (a NAT test); default the socket's peer address. */
  natClientIp?: string;
}

export interface RecordedRequest extends Omit<ProxyReq, 'packet' | 'clientIp16' | 'proxyIp16'> {
  link: number;
  length: number;
  clientIp16: Buffer;
}

export interface FakeLink {
  index: number;
  socket: Socket;
  channel: RpcChannel;
  handshake?: HandshakeResult;
}

export class FakeMiddleProxy {
  readonly requests: RecordedRequest[] = [];
  readonly closedConns: bigint[] = [];
  readonly pongs: bigint[] = [];
  readonly violations: string[] = [];
  readonly links: FakeLink[] = [];
  /** Stop answering anything (handshakes included) while true. */
  silent = false;
  private readonly server: Server;
  port = 0;

  private constructor(private readonly options: FakeMiddleOptions) {
    this.server = createServer((socket) => this.accept(socket));
  }

  static async start(options: FakeMiddleOptions): Promise<FakeMiddleProxy> {
    const fake = new FakeMiddleProxy(options);
    fake.port = await listenOnFreePort(fake.server, options.host ?? '127.0.0.1');
    return fake;
  }

  /** Sends RPC_CLOSE_EXT for `connId` on every link (only the one holding it will know it). */
  closeClient(connId: bigint): void {
    for (const l of this.open()) l.channel.sendPayload(encodeCloseExt(connId));
  }

  ping(pingId: bigint): void {
    for (const l of this.open()) l.channel.sendPayload(encodePing(pingId));
  }

  /** Sends an answer nobody asked for (flooding tests). */
  answer(connId: bigint, packet: Uint8Array): void {
    for (const l of this.open()) l.channel.sendPayload(encodeProxyAns(connId, 0, packet));
  }

  /** Writes raw bytes on every link, past the framing and cipher (garbage tests). */
  sendRaw(bytes: Uint8Array): void {
    for (const l of this.open()) l.socket.write(bytes);
  }

  killLinks(): void {
    for (const l of this.links) l.socket.destroy();
  }

  async close(): Promise<void> {
    this.killLinks();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private open(): FakeLink[] {
    return this.links.filter((l) => l.handshake !== undefined && !l.socket.destroyed);
  }

  private accept(socket: Socket): void {
    socket.on('error', () => {});
    const channel = new RpcChannel(socket);
    const link: FakeLink = { index: this.links.length, socket, channel };
    this.links.push(link);
    if (this.silent) return; // never answers: the client's handshake deadline fires
    const clientAddress = this.options.natClientIp ? { ip: this.options.natClientIp, port: socket.remotePort! } : undefined;
    serverHandshake(channel, { proxySecret: this.options.proxySecret, registry: nodeCbc, crc32c: this.options.crc32c, clientAddress }, (p) => this.onPacket(link, p)).then(
      (result) => {
        link.handshake = result;
        channel.onFailure = (err) => this.fail(link, err);
      },
      (err: unknown) => this.fail(link, err),
    );
  }

  private fail(link: FakeLink, err: unknown): void {
    this.violations.push(`link ${link.index}: ${(err as { code?: string }).code ?? String(err)}`);
    link.socket.destroy();
  }

  private onPacket(link: FakeLink, payload: Buffer): void {
    if (payload.length >= 4 && payload.readUInt32LE(0) === RPC_PROXY_REQ) return this.onRequest(link, payload);
    const message = parseMiddleMessage(payload);
    if (message.type === 'pong' && payload.readUInt32LE(0) === RPC_PONG) this.pongs.push(message.pingId);
    else if (message.type === 'close' && payload.readUInt32LE(0) === RPC_CLOSE_CONN) this.closedConns.push(message.connId);
    else if (message.type === 'ping') {
      if (!this.silent) link.channel.sendPayload(encodePongFor(payload));
    }
    else this.violations.push(`link ${link.index}: unexpected ${message.type}`);
  }

  private onRequest(link: FakeLink, payload: Buffer): void {
    const req = parseProxyReq(payload);
    const { flags, packet } = req;
    const check = (ok: boolean, what: string) => {
      if (!ok) this.violations.push(`link ${link.index} conn ${req.connId}: ${what}`);
    };
    check((flags & (PROXY_FLAG_MAGIC | PROXY_FLAG_EXTMODE2)) === (PROXY_FLAG_MAGIC | PROXY_FLAG_EXTMODE2), 'MAGIC | EXTMODE2 missing');
    const framing = flags & (PROXY_FLAG_ABRIDGED | PROXY_FLAG_INTERMEDIATE | PROXY_FLAG_PAD);
    check([PROXY_FLAG_ABRIDGED, PROXY_FLAG_INTERMEDIATE, PROXY_FLAG_INTERMEDIATE | PROXY_FLAG_PAD].includes(framing), `framing flags ${framing.toString(16)}`);
    check(((flags & PROXY_FLAG_HAS_AD_TAG) !== 0) === (req.adTag !== undefined), 'HAS_AD_TAG without a tag');
    check(((flags & PROXY_FLAG_NOT_ENCRYPTED) !== 0) === isPlaintextMtproto(packet), 'NOT_ENCRYPTED disagrees with auth_key_id');
    check(packet.length % 4 === 0 && packet.length > 0, 'packet not whole words');
    check(!this.closedConns.includes(req.connId), 'request after RPC_CLOSE_CONN');
    this.requests.push({
      link: link.index,
      flags,
      connId: req.connId,
      clientIp16: Buffer.from(req.clientIp16),
      clientPort: req.clientPort,
      proxyPort: req.proxyPort,
      adTag: req.adTag,
      length: packet.length,
    });
    if (this.silent) return;
    if (flags & PROXY_FLAG_QUICKACK) link.channel.sendPayload(encodeSimpleAck(req.connId, quickAckToken(packet)));
    link.channel.sendPayload(encodeProxyAns(req.connId, 0, answerFor(packet)));
  }
}

function encodePongFor(ping: Buffer): Buffer {
  const pong = Buffer.from(ping);
  pong.writeUInt32LE(RPC_PONG, 0);
  return pong;
}
