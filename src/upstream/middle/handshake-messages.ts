/**
 * The two first packets of a middle-proxy link, each way (docs/protocol.md "Middle proxy", handshake):
 *
 *   RPC_NONCE (plaintext, 32 bytes)          RPC_HANDSHAKE (first encrypted packet, 32 bytes)
 *     0  u32  0x7acb87aa                       0  u32  0x7682eef5 (0x6a27beda: refused)
 *     4  u32  key selector: proxy secret[0:4]  4  u32  flags (0x800: CRC32-C from here on)
 *     8  u32  crypto scheme, 1 = AES           8  12 B sender process id (ip u32, port u16, pid u16, time u32)
 *    12  u32  timestamp (seconds)             20  12 B peer process id (the answer echoes the sender's)
 *    16  16 B nonce
 */
import { RPC_CRYPTO_AES, RPC_HANDSHAKE, RPC_HANDSHAKE_ERROR, RPC_NONCE } from './constants.js';
import { MiddleProtocolError } from './errors.js';

export const NONCE_PACKET_LENGTH = 32;
export const HANDSHAKE_PACKET_LENGTH = 32;
export const PID_LENGTH = 12;

export interface NoncePacket {
  keySelector: number;
  schema: number;
  timestamp: number;
  nonce: Uint8Array;
}

export interface HandshakePacket {
  flags: number;
  senderPid: Uint8Array;
  peerPid: Uint8Array;
}

/** The key selector: the proxy secret's first 4 bytes as u32 LE (tells the server which secret we hold). */
export function keySelector(proxySecret: Uint8Array): number {
  if (proxySecret.length < 32) throw new MiddleProtocolError('ERR_PROTOCOL_MIDDLE_HANDSHAKE', 'the proxy secret is shorter than 32 bytes');
  return Buffer.from(proxySecret.buffer, proxySecret.byteOffset, 4).readUInt32LE(0);
}

export function encodeNonce(p: NoncePacket): Buffer {
  const out = Buffer.alloc(NONCE_PACKET_LENGTH);
  out.writeUInt32LE(RPC_NONCE, 0);
  out.writeUInt32LE(p.keySelector >>> 0, 4);
  out.writeUInt32LE(p.schema, 8);
  out.writeUInt32LE(p.timestamp >>> 0, 12);
  out.set(p.nonce, 16);
  return out;
}

export function parseNonce(payload: Buffer): NoncePacket {
  if (payload.length !== NONCE_PACKET_LENGTH || payload.readUInt32LE(0) !== RPC_NONCE) {
    throw new MiddleProtocolError('ERR_PROTOCOL_MIDDLE_HANDSHAKE', 'expected a 32-byte RPC_NONCE packet');
  }
  const schema = payload.readUInt32LE(8);
  if (schema !== RPC_CRYPTO_AES) throw new MiddleProtocolError('ERR_PROTOCOL_MIDDLE_HANDSHAKE', `crypto scheme ${schema} is not AES (1)`);
  return { keySelector: payload.readUInt32LE(4), schema, timestamp: payload.readUInt32LE(12), nonce: Uint8Array.from(payload.subarray(16, 32)) };
}

export function encodeHandshake(p: HandshakePacket): Buffer {
  const out = Buffer.alloc(HANDSHAKE_PACKET_LENGTH);
  out.writeUInt32LE(RPC_HANDSHAKE, 0);
  out.writeUInt32LE(p.flags >>> 0, 4);
  out.set(p.senderPid, 8);
  out.set(p.peerPid, 8 + PID_LENGTH);
  return out;
}

export function parseHandshake(payload: Buffer): HandshakePacket {
  if (payload.length >= 4 && payload.readUInt32LE(0) === RPC_HANDSHAKE_ERROR) {
    throw new MiddleProtocolError('ERR_PROTOCOL_MIDDLE_HANDSHAKE', 'the middle proxy refused the handshake (RPC_HANDSHAKE_ERROR)');
  }
  if (payload.length !== HANDSHAKE_PACKET_LENGTH || payload.readUInt32LE(0) !== RPC_HANDSHAKE) {
    throw new MiddleProtocolError('ERR_PROTOCOL_MIDDLE_HANDSHAKE', 'expected a 32-byte RPC_HANDSHAKE packet');
  }
  return {
    flags: payload.readUInt32LE(4),
    senderPid: Uint8Array.from(payload.subarray(8, 8 + PID_LENGTH)),
    peerPid: Uint8Array.from(payload.subarray(8 + PID_LENGTH, 8 + 2 * PID_LENGTH)),
  };
}

/** A process id in the official layout: IPv4 (u32), port (u16), pid (u16), start time (u32). */
export function processId(ipv4: Uint8Array | undefined, port: number, pid: number, startTime: number): Uint8Array {
  const out = Buffer.alloc(PID_LENGTH);
  if (ipv4) out.writeUInt32LE(Buffer.from(ipv4).readUInt32BE(0), 0);
  out.writeUInt16LE(port & 0xffff, 4);
  out.writeUInt16LE(pid & 0xffff, 6);
  out.writeUInt32LE(startTime >>> 0, 8);
  return out;
}
