// Packet framing kernels: scanners and encoders for the MTProto transport framings and a splitter/joiner for
// TLS application-data records, working in place over linear memory. ABI: docs/kernel-abi.md (framing).
// Wire formats (mirrored by src/protocol/framing.ts and src/protocol/tls-records.ts):
//
//   abridged      | L (1) | payload |  or  | 7f | L (3 LE) | payload |     len = 4 * L; bit 0x80 of byte 0 = quick ack
//   intermediate  | len (u32 LE) | payload |                               bit 31 of len = quick ack
//   padded        | len (u32 LE) | payload + padding 0..15 |               len covers the padding
//   TLS record    | 17 | 03 03 | len (u16 BE) | payload |                 len <= 16 640 accepted, <= 16 384 written
//
// frameScan output, 16 bytes per complete frame: headerOffset u32 | payloadOffset u32 | payloadLen u32 | flags u32
// (payloadLen is the declared length, padding included; flags bit 0 = quick ack requested).
// tlsSplit output, 8 bytes per complete record: payloadOffset u32 | payloadLen u32.
// Offsets are relative to the scanned pointer. Lengths are public (no secret data is branched on here).
import { BAD_FRAME, BAD_LENGTH, FRAME_TOO_LARGE, inBounds, OUT_OF_BOUNDS } from '../util/memory';

const KIND_ABRIDGED: i32 = 0;
const KIND_INTERMEDIATE: i32 = 1;
const KIND_PADDED: i32 = 2;
const SCAN_ENTRY: i32 = 16;
const SPLIT_ENTRY: i32 = 8;
const TLS_HEADER: i32 = 5;
const TLS_MAX_IN: i32 = 16640;
const TLS_MAX_OUT: i32 = 16384;
const ABRIDGED_MAX_WORDS: i32 = 0xffffff;

// Two regions overlap when neither ends before the other starts.
@inline
function overlaps(a: usize, aLen: i32, b: usize, bLen: i32): bool {
  return a < b + <usize>bLen && b < a + <usize>aLen;
}

/** Scans complete frames of `kind` in [ptr, ptr+len); returns how many it wrote to outPtr (≤ maxFrames). */
export function frameScan(kind: i32, ptr: usize, len: i32, outPtr: usize, maxFrames: i32, maxFrameLen: i32): i32 {
  if (kind < KIND_ABRIDGED || kind > KIND_PADDED) return BAD_FRAME;
  if (maxFrames < 0 || maxFrames > 0x7ffffff || maxFrameLen < 0) return BAD_LENGTH;
  if (!inBounds(ptr, len) || !inBounds(outPtr, maxFrames * SCAN_ENTRY)) return OUT_OF_BOUNDS;
  if (maxFrames > 0 && len > 0 && overlaps(ptr, len, outPtr, maxFrames * SCAN_ENTRY)) return OUT_OF_BOUNDS;
  let at: i32 = 0;
  let count: i32 = 0;
  while (count < maxFrames) {
    const left = len - at;
    let header: i32 = 0;
    let frameLen: i32 = 0;
    let flags: u32 = 0;
    if (kind == KIND_ABRIDGED) {
      if (left < 1) break;
      const first = <i32>load<u8>(ptr + <usize>at);
      flags = <u32>(first >> 7);
      let words = first & 0x7f;
      header = 1;
      if (words == 0x7f) {
        if (left < 4) break;
        words = <i32>load<u8>(ptr + <usize>at + 1) | (<i32>load<u8>(ptr + <usize>at + 2) << 8) | (<i32>load<u8>(ptr + <usize>at + 3) << 16);
        header = 4;
      }
      // words ≤ 0xffffff, so 4 * words fits in i32 only below 2^29 words; compare in i64 to stay exact.
      if (<i64>words * 4 > <i64>maxFrameLen) return FRAME_TOO_LARGE;
      frameLen = words << 2;
    } else {
      if (left < 4) break;
      const raw = load<u32>(ptr + <usize>at);
      flags = raw >>> 31;
      const declared = raw & 0x7fffffff;
      if (<u64>declared > <u64>maxFrameLen) return FRAME_TOO_LARGE;
      frameLen = <i32>declared;
      header = 4;
    }
    if (<i64>left < <i64>header + <i64>frameLen) break;
    const entry = outPtr + <usize>(count * SCAN_ENTRY);
    store<u32>(entry, <u32>at);
    store<u32>(entry, <u32>(at + header), 4);
    store<u32>(entry, <u32>frameLen, 8);
    store<u32>(entry, flags, 12);
    at += header + frameLen;
    count++;
  }
  return count;
}

/**
 * Writes header ‖ payload (‖ padLen padding bytes taken from srcPtr + len) to dstPtr; returns bytes written.
 * Source and destination may overlap (the body is moved first, then the header is written).
 */
export function frameEncode(kind: i32, srcPtr: usize, len: i32, dstPtr: usize, padLen: i32): i32 {
  if (kind < KIND_ABRIDGED || kind > KIND_PADDED) return BAD_FRAME;
  if (len < 0 || padLen < 0 || padLen > 15 || (kind != KIND_PADDED && padLen != 0)) return BAD_LENGTH;
  let header: i32 = 4;
  if (kind == KIND_ABRIDGED) {
    if ((len & 3) != 0) return BAD_LENGTH;
    if ((len >> 2) > ABRIDGED_MAX_WORDS) return FRAME_TOO_LARGE;
    header = (len >> 2) < 0x7f ? 1 : 4;
  } else if (len > 0x7fffffff - 15 - 4) {
    return FRAME_TOO_LARGE;
  }
  const body = len + padLen;
  if (!inBounds(srcPtr, body) || !inBounds(dstPtr, header + body)) return OUT_OF_BOUNDS;
  memory.copy(dstPtr + <usize>header, srcPtr, <usize>body);
  if (kind == KIND_ABRIDGED) {
    const words = len >> 2;
    if (header == 1) {
      store<u8>(dstPtr, <u8>words);
    } else {
      store<u8>(dstPtr, 0x7f);
      store<u8>(dstPtr, <u8>(words & 0xff), 1);
      store<u8>(dstPtr, <u8>((words >> 8) & 0xff), 2);
      store<u8>(dstPtr, <u8>((words >> 16) & 0xff), 3);
    }
  } else {
    store<u32>(dstPtr, <u32>body);
  }
  return header + body;
}

/** Lists complete `17 03 03` records in [ptr, ptr+len); -7 on another record type/version, -6 above 16 640. */
export function tlsSplit(ptr: usize, len: i32, outPtr: usize, maxRecords: i32): i32 {
  if (maxRecords < 0 || maxRecords > 0xfffffff) return BAD_LENGTH;
  if (!inBounds(ptr, len) || !inBounds(outPtr, maxRecords * SPLIT_ENTRY)) return OUT_OF_BOUNDS;
  if (maxRecords > 0 && len > 0 && overlaps(ptr, len, outPtr, maxRecords * SPLIT_ENTRY)) return OUT_OF_BOUNDS;
  let at: i32 = 0;
  let count: i32 = 0;
  while (count < maxRecords && len - at >= TLS_HEADER) {
    const p = ptr + <usize>at;
    if (load<u8>(p) != 0x17 || load<u8>(p, 1) != 0x03 || load<u8>(p, 2) != 0x03) return BAD_FRAME;
    const recordLen = (<i32>load<u8>(p, 3) << 8) | <i32>load<u8>(p, 4);
    if (recordLen > TLS_MAX_IN) return FRAME_TOO_LARGE;
    if (len - at - TLS_HEADER < recordLen) break;
    const entry = outPtr + <usize>(count * SPLIT_ENTRY);
    store<u32>(entry, <u32>(at + TLS_HEADER));
    store<u32>(entry, <u32>recordLen, 4);
    at += TLS_HEADER + recordLen;
    count++;
  }
  return count;
}

/**
 * Wraps [srcPtr, srcPtr+len) into `17 03 03` records of at most maxPayload bytes at dstPtr; returns bytes
 * written (len + 5 per record; an empty input writes nothing). In place is allowed when dstPtr >= srcPtr
 * (records are written back to front); a destination below an overlapping source is refused (-3).
 */
export function tlsJoin(srcPtr: usize, len: i32, dstPtr: usize, maxPayload: i32): i32 {
  if (maxPayload < 1 || maxPayload > TLS_MAX_OUT || len < 0) return BAD_LENGTH;
  if (!inBounds(srcPtr, len)) return OUT_OF_BOUNDS; // also bounds len, so the sums below cannot overflow
  const records = len == 0 ? 0 : (len + maxPayload - 1) / maxPayload;
  const total = <i64>len + <i64>records * TLS_HEADER;
  if (total > 0x7fffffff) return BAD_LENGTH;
  if (!inBounds(dstPtr, <i32>total)) return OUT_OF_BOUNDS;
  if (dstPtr < srcPtr && overlaps(srcPtr, len, dstPtr, <i32>total)) return BAD_LENGTH;
  for (let i = records - 1; i >= 0; i--) {
    const from = i * maxPayload;
    const n = min(maxPayload, len - from);
    const out = dstPtr + <usize>(from + i * TLS_HEADER);
    memory.copy(out + <usize>TLS_HEADER, srcPtr + <usize>from, <usize>n);
    store<u8>(out, 0x17);
    store<u8>(out, 0x03, 1);
    store<u8>(out, 0x03, 2);
    store<u8>(out, <u8>(n >> 8), 3);
    store<u8>(out, <u8>(n & 0xff), 4);
  }
  return <i32>total;
}
