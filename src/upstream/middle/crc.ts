/**
 * CRC32 (IEEE 802.3, reflected 0xEDB88320) and CRC32-C (Castagnoli, RFC 3720 §B.4, reflected 0x82F63B78) over
 * a byte range: the checksums of the middle-proxy "full" frames (docs/protocol.md "Middle proxy"). CRC32 is
 * node:zlib's where Node has it (20.15 and later), a table here otherwise; CRC32-C is always a table here.
 * Not secret data: no constant-time concern.
 */
import * as zlib from 'node:zlib';

export type CrcKind = 'crc32' | 'crc32c';

function reflectedTable(poly: number): Uint32Array {
  const table = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ poly : c >>> 1;
    table[n] = c >>> 0;
  }
  return table;
}

function tableCrc(table: Uint32Array, data: Uint8Array): number {
  let c = 0xffffffff;
  for (let i = 0; i < data.length; i++) c = table[(c ^ data[i]!) & 0xff]! ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

const CRC32C_TABLE = reflectedTable(0x82f63b78);
const zlibCrc32 = (zlib as { crc32?: (data: Uint8Array) => number }).crc32;
let crc32Table: Uint32Array | undefined;

/** CRC32 from the table (Node before 20.15 has no zlib.crc32). */
export function crc32ByTable(data: Uint8Array): number {
  crc32Table ??= reflectedTable(0xedb88320);
  return tableCrc(crc32Table, data);
}

export function crc32(data: Uint8Array): number {
  return zlibCrc32 !== undefined ? zlibCrc32(data) >>> 0 : crc32ByTable(data);
}

export function crc32c(data: Uint8Array): number {
  return tableCrc(CRC32C_TABLE, data);
}

export function checksum(kind: CrcKind, data: Uint8Array): number {
  return kind === 'crc32' ? crc32(data) : crc32c(data);
}
