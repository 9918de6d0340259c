/**
 * CRC32 (IEEE 802.3, reflected 0xEDB88320) and CRC32-C (Castagnoli, RFC 3720 §B.4, reflected 0x82F63B78) over
 * a byte range: the checksums of the middle-proxy "full" frames (docs/protocol.md "Middle proxy"). CRC32 is
 * node:zlib's (Node ≥ 20.15); CRC32-C is a slicing-by-1 table here. Not secret data: no constant-time concern.
 */
import { crc32 as zlibCrc32 } from 'node:zlib';

export type CrcKind = 'crc32' | 'crc32c';

const CRC32C_TABLE = (() => {
  const table = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ 0x82f63b78 : c >>> 1;
    table[n] = c >>> 0;
  }
  return table;
})();

export function crc32(data: Uint8Array): number {
  return zlibCrc32(data) >>> 0;
}

export function crc32c(data: Uint8Array): number {
  let c = 0xffffffff;
  for (let i = 0; i < data.length; i++) c = CRC32C_TABLE[(c ^ data[i]!) & 0xff]! ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

export function checksum(kind: CrcKind, data: Uint8Array): number {
  return kind === 'crc32' ? crc32(data) : crc32c(data);
}
