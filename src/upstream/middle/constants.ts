/**
 * Constants of the middle-proxy RPC link (docs/protocol.md "Middle proxy"): the TL constructor ids of the
 * packets, the flags of RPC_PROXY_REQ and of the handshake, and the sequence numbers of the two first packets.
 * Every id is the little-endian u32 as it sits on the wire (RPC_PROXY_REQ travels as `ee f1 ce 36`).
 */

/** First packet each way, plaintext: key selector, crypto scheme, timestamp, 16-byte nonce. */
export const RPC_NONCE = 0x7acb87aa;
/** Second packet each way, the first encrypted one: flags and both process ids. */
export const RPC_HANDSHAKE = 0x7682eef5;
/** A middle proxy that refuses the handshake answers this instead of RPC_HANDSHAKE. */
export const RPC_HANDSHAKE_ERROR = 0x6a27beda;
/** We → middle proxy: one MTProto packet of one client (flags, connection id, addresses, extra, packet). */
export const RPC_PROXY_REQ = 0x36cef1ee;
/** Middle proxy → us: one MTProto packet for one client (flags, connection id, packet). */
export const RPC_PROXY_ANS = 0x4403da0d;
/** Middle proxy → us: the quick-ack a client asked for (connection id, 4-byte confirm). */
export const RPC_SIMPLE_ACK = 0x3bac409b;
/** Middle proxy → us: forget this client (connection id). */
export const RPC_CLOSE_EXT = 0x5eb634a2;
/** Us → middle proxy: this client left (connection id). Also accepted inbound, meaning the same as CLOSE_EXT. */
export const RPC_CLOSE_CONN = 0x1fcf425d;
/** Keep-alive from the middle proxy (8-byte ping id); answered with RPC_PONG carrying the same id. */
export const RPC_PING = 0x5730a2df;
export const RPC_PONG = 0x8430eaa7;
/** TL constructor of the ad tag inside RPC_PROXY_REQ's extra block. */
export const TL_PROXY_TAG = 0xdb1e26ae;

/** RPC_NONCE crypto scheme: AES-256-CBC with keys from the nonce exchange (the only one we speak). */
export const RPC_CRYPTO_AES = 1;
/** RPC_HANDSHAKE flag: use CRC32-C instead of CRC32 for every frame after the handshake (both must set it). */
export const RPC_FLAG_CRC32C = 0x800;

/** RPC_PROXY_REQ flags. MAGIC | EXTMODE2 ride on every request. */
export const PROXY_FLAG_NOT_ENCRYPTED = 0x2; // the packet's auth_key_id is zero (plaintext MTProto)
export const PROXY_FLAG_HAS_AD_TAG = 0x8;
export const PROXY_FLAG_MAGIC = 0x1000;
export const PROXY_FLAG_EXTMODE2 = 0x20000;
export const PROXY_FLAG_PAD = 0x8000000; // padded intermediate ("dd"), always with INTERMEDIATE
export const PROXY_FLAG_INTERMEDIATE = 0x20000000;
export const PROXY_FLAG_ABRIDGED = 0x40000000;
export const PROXY_FLAG_QUICKACK = 0x80000000;

/** Sequence number of RPC_NONCE; RPC_HANDSHAKE is -1, then 0, 1, … each way. */
export const START_SEQ = -2;
/** A 4-byte "frame" of length 4: padding up to the 16-byte cipher block, carries no sequence number. */
export const PAD_WORD = 4;
/** Length, sequence number and CRC around each payload. */
export const FRAME_OVERHEAD = 12;
/** Ad tag: 16 bytes, 32 hex in configs. */
export const AD_TAG_LENGTH = 16;
