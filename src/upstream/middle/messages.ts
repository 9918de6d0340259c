/**
 * The packets a middle-proxy link carries after its handshake (docs/protocol.md "Middle proxy", messages).
 * Every integer is little-endian; `conn` is the 64-bit connection id we chose for one client.
 *
 *   RPC_PROXY_REQ  us → proxy   0 type | 4 flags | 8 conn(8) | 16 client ip(16) | 32 client port(u32)
 *                               | 36 our ip(16) | 52 our port(u32) | 56 [extra size(u32) | TL_PROXY_TAG
 *                               | tag as TL string, padded to 4] | client's MTProto packet
 *   RPC_PROXY_ANS  proxy → us   0 type | 4 flags | 8 conn(8) | 16 packet for the client
 *   RPC_SIMPLE_ACK proxy → us   0 type | 4 conn(8) | 12 confirm(4), the client's quick-ack token
 *   RPC_CLOSE_EXT  proxy → us   0 type | 4 conn(8)          RPC_CLOSE_CONN us → proxy, same layout
 *   RPC_PING       proxy → us   0 type | 4 ping id(8)       RPC_PONG us → proxy, same layout
 *
 * Addresses are 16 bytes, IPv4 as ::ffff:a.b.c.d. The request header of one client never changes apart from its
 * flags, so it is built once (proxyReqTemplate) and copied in front of each packet.
 */
import type { FramingKind } from '../../protocol/framing.js';
import { parseAddress, checkPort, type LinkAddress } from './addresses.js';
import {
  AD_TAG_LENGTH,
  PROXY_FLAG_ABRIDGED,
  PROXY_FLAG_EXTMODE2,
  PROXY_FLAG_HAS_AD_TAG,
  PROXY_FLAG_INTERMEDIATE,
  PROXY_FLAG_MAGIC,
  PROXY_FLAG_NOT_ENCRYPTED,
  PROXY_FLAG_PAD,
  PROXY_FLAG_QUICKACK,
  RPC_CLOSE_CONN,
  RPC_CLOSE_EXT,
  RPC_PING,
  RPC_PONG,
  RPC_PROXY_ANS,
  RPC_PROXY_REQ,
  RPC_SIMPLE_ACK,
  TL_PROXY_TAG,
} from './constants.js';
import { MiddleProtocolError } from './errors.js';

/** Header bytes before the extra block. */
const REQ_FIXED = 56;
/** Extra block with an ad tag: size word, TL_PROXY_TAG, TL string (1 length byte + 16 + 3 padding). */
const EXTRA_WITH_TAG = 4 + 4 + 20;
export const ANS_HEADER = 16;

export interface ProxyReqTarget {
  connId: bigint;
  /** The real client's address and port. */
  client: LinkAddress;
  /** Our address and port as the client reached us. */
  proxy: LinkAddress;
  adTag?: Uint8Array | undefined;
}

/** The constant header of one client's RPC_PROXY_REQs; flags at offset 4 are written per packet. */
export function proxyReqTemplate(target: ProxyReqTarget): Buffer {
  const tag = target.adTag;
  if (tag !== undefined && tag.length !== AD_TAG_LENGTH) throw new MiddleProtocolError('ERR_PROTOCOL_MIDDLE_MESSAGE', 'an ad tag is 16 bytes');
  const out = templateBuffer(REQ_FIXED + (tag ? EXTRA_WITH_TAG : 0));
  out.writeUInt32LE(RPC_PROXY_REQ, 0);
  out.writeBigUInt64LE(BigInt.asUintN(64, target.connId), 8);
  out.set(parseAddress(target.client.ip).v16, 16);
  out.writeUInt32LE(checkPort(target.client.port), 32);
  out.set(parseAddress(target.proxy.ip).v16, 36);
  out.writeUInt32LE(checkPort(target.proxy.port), 52);
  if (tag) {
    out.writeUInt32LE(EXTRA_WITH_TAG - 4, 56);
    out.writeUInt32LE(TL_PROXY_TAG, 60);
    out[64] = AD_TAG_LENGTH;
    out.set(tag, 65); // then 3 zero bytes: the TL string padded to 4
  }
  return out;
}

/**
 * Templates live as long as their clients, so they are cut from small zeroed slabs of their own: an ArrayBuffer
 * per template costs more than the template, and Node's shared pool would mix them with short-lived buffers (the
 * handshake's), each 8 KiB slab then kept alive by the one template in it.
 */
const TEMPLATE_SLAB = 2048;
let slab: Buffer | undefined;
let slabUsed = 0;

function templateBuffer(size: number): Buffer {
  if (slab === undefined || slabUsed + size > TEMPLATE_SLAB) {
    slab = Buffer.alloc(TEMPLATE_SLAB);
    slabUsed = 0;
  }
  const out = slab.subarray(slabUsed, slabUsed + size);
  slabUsed += size;
  return out;
}

/** Flags of one request: MAGIC | EXTMODE2, the client's framing, ad tag, quick-ack, plaintext MTProto. */
export function proxyReqFlags(framing: FramingKind, hasAdTag: boolean, quickAck: boolean, packet: Uint8Array): number {
  let flags = PROXY_FLAG_MAGIC | PROXY_FLAG_EXTMODE2;
  if (hasAdTag) flags |= PROXY_FLAG_HAS_AD_TAG;
  if (framing === 'abridged') flags |= PROXY_FLAG_ABRIDGED;
  else if (framing === 'intermediate') flags |= PROXY_FLAG_INTERMEDIATE;
  else flags |= PROXY_FLAG_INTERMEDIATE | PROXY_FLAG_PAD;
  if (quickAck) flags |= PROXY_FLAG_QUICKACK;
  if (isPlaintextMtproto(packet)) flags |= PROXY_FLAG_NOT_ENCRYPTED;
  return flags >>> 0;
}

/** An MTProto packet whose auth_key_id (first 8 bytes) is zero travels unencrypted (core.telegram.org/mtproto/description). */
export function isPlaintextMtproto(packet: Uint8Array): boolean {
  if (packet.length < 8) return false;
  for (let i = 0; i < 8; i++) if (packet[i] !== 0) return false;
  return true;
}

/** Writes template ‖ packet at `body[at…]` with `flags`; returns the bytes written. */
export function writeProxyReq(body: Buffer, at: number, template: Buffer, flags: number, packet: Uint8Array): number {
  template.copy(body, at);
  body.writeUInt32LE(flags, at + 4);
  body.set(packet, at + template.length);
  return template.length + packet.length;
}

/** A parsed RPC_PROXY_REQ (the middle-proxy side; `packet` is a view into the payload). */
export interface ProxyReq {
  flags: number;
  connId: bigint;
  clientIp16: Uint8Array;
  clientPort: number;
  proxyIp16: Uint8Array;
  proxyPort: number;
  adTag: Uint8Array | undefined;
  packet: Uint8Array;
}

export function parseProxyReq(payload: Buffer): ProxyReq {
  const bad = (why: string) => new MiddleProtocolError('ERR_PROTOCOL_MIDDLE_MESSAGE', `RPC_PROXY_REQ: ${why}`);
  if (payload.length < REQ_FIXED || payload.readUInt32LE(0) !== RPC_PROXY_REQ) throw bad('too short or wrong type');
  const flags = payload.readUInt32LE(4);
  let at = REQ_FIXED;
  let adTag: Uint8Array | undefined;
  if (flags & (PROXY_FLAG_HAS_AD_TAG | 0x4)) {
    if (payload.length < at + 4) throw bad('extra block cut short');
    const size = payload.readUInt32LE(at);
    if (size % 4 !== 0 || payload.length < at + 4 + size) throw bad('extra block size');
    if (flags & PROXY_FLAG_HAS_AD_TAG) {
      if (size < 4 + 1 + AD_TAG_LENGTH || payload.readUInt32LE(at + 4) !== TL_PROXY_TAG || payload[at + 8] !== AD_TAG_LENGTH) throw bad('ad tag');
      adTag = Uint8Array.from(payload.subarray(at + 9, at + 9 + AD_TAG_LENGTH));
    }
    at += 4 + size;
  }
  return {
    flags,
    connId: payload.readBigUInt64LE(8),
    clientIp16: payload.subarray(16, 32),
    clientPort: payload.readUInt32LE(32),
    proxyIp16: payload.subarray(36, 52),
    proxyPort: payload.readUInt32LE(52),
    adTag,
    packet: payload.subarray(at),
  };
}

/** type ‖ 64-bit id: CLOSE_CONN, CLOSE_EXT, PING, PONG. */
export function encodeIdMessage(type: number, id: bigint): Buffer {
  const out = Buffer.alloc(12);
  out.writeUInt32LE(type, 0);
  out.writeBigUInt64LE(BigInt.asUintN(64, id), 4);
  return out;
}

export const encodeCloseConn = (connId: bigint): Buffer => encodeIdMessage(RPC_CLOSE_CONN, connId);
export const encodeCloseExt = (connId: bigint): Buffer => encodeIdMessage(RPC_CLOSE_EXT, connId);
export const encodePing = (pingId: bigint): Buffer => encodeIdMessage(RPC_PING, pingId);
export const encodePong = (pingId: bigint): Buffer => encodeIdMessage(RPC_PONG, pingId);

export function encodeProxyAns(connId: bigint, flags: number, packet: Uint8Array): Buffer {
  const out = Buffer.alloc(ANS_HEADER + packet.length);
  out.writeUInt32LE(RPC_PROXY_ANS, 0);
  out.writeUInt32LE(flags >>> 0, 4);
  out.writeBigUInt64LE(BigInt.asUintN(64, connId), 8);
  out.set(packet, ANS_HEADER);
  return out;
}

export function encodeSimpleAck(connId: bigint, confirm: number): Buffer {
  const out = Buffer.alloc(16);
  out.writeUInt32LE(RPC_SIMPLE_ACK, 0);
  out.writeBigUInt64LE(BigInt.asUintN(64, connId), 4);
  out.writeUInt32LE(confirm >>> 0, 12);
  return out;
}

/** What the middle proxy sent, for callers that want an object (the link itself reads fields in place). */
export type MiddleMessage =
  | { type: 'answer'; connId: bigint; flags: number; packet: Uint8Array }
  | { type: 'simple-ack'; connId: bigint; confirm: number }
  | { type: 'close'; connId: bigint }
  | { type: 'ping'; pingId: bigint }
  | { type: 'pong'; pingId: bigint };

export function parseMiddleMessage(payload: Buffer): MiddleMessage {
  const bad = (why: string) => new MiddleProtocolError('ERR_PROTOCOL_MIDDLE_MESSAGE', why);
  if (payload.length < 4) throw bad('packet shorter than its type');
  const type = payload.readUInt32LE(0);
  switch (type) {
    case RPC_PROXY_ANS:
      if (payload.length < ANS_HEADER) throw bad('RPC_PROXY_ANS cut short');
      return { type: 'answer', flags: payload.readUInt32LE(4), connId: payload.readBigUInt64LE(8), packet: payload.subarray(ANS_HEADER) };
    case RPC_SIMPLE_ACK:
      if (payload.length !== 16) throw bad('RPC_SIMPLE_ACK length');
      return { type: 'simple-ack', connId: payload.readBigUInt64LE(4), confirm: payload.readUInt32LE(12) };
    case RPC_CLOSE_EXT:
    case RPC_CLOSE_CONN:
    case RPC_PING:
    case RPC_PONG: {
      if (payload.length !== 12) throw bad('id message length');
      const id = payload.readBigUInt64LE(4);
      if (type === RPC_PING) return { type: 'ping', pingId: id };
      if (type === RPC_PONG) return { type: 'pong', pingId: id };
      return { type: 'close', connId: id };
    }
    default:
      throw bad(`unknown packet type 0x${type.toString(16).padStart(8, '0')}`);
  }
}
