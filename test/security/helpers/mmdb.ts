/**
 * Writes a tiny MaxMind DB (MMDB 2.0) file for geo tests: an IPv4 search tree (24-bit records) mapping a
 * few networks to `{ country: { iso_code } }`. Format: MaxMind DB File Format Specification 2.0 —
 *
 *   [ search tree: node_count × 6 bytes (left record, right record; 3 bytes each, big-endian) ]
 *   [ 16 zero bytes ][ data section ][ "\xAB\xCD\xEFMaxMind.com" ][ metadata map ]
 *
 * A record < node_count points at a node, = node_count means "no data", > node_count points into the data
 * section at (record − node_count − 16).
 */
import { writeFileSync } from 'node:fs';

type Value = string | number | bigint | Value[] | { [key: string]: Value } | { uint16: number } | { uint32: number };

function control(type: number, size: number): Buffer {
  if (size >= 29) throw new Error('tiny writer: sizes under 29 only');
  if (type <= 7) return Buffer.from([(type << 5) | size]);
  return Buffer.from([size, type - 7]);
}

function uint(type: number, value: bigint): Buffer {
  const bytes: number[] = [];
  for (let v = value; v > 0n; v >>= 8n) bytes.unshift(Number(v & 0xffn));
  return Buffer.concat([control(type, bytes.length), Buffer.from(bytes)]);
}

function encode(value: Value): Buffer {
  if (typeof value === 'string') {
    const text = Buffer.from(value, 'utf8');
    return Buffer.concat([control(2, text.length), text]);
  }
  if (typeof value === 'bigint') return uint(9, value); // uint64
  if (typeof value === 'number') return uint(6, BigInt(value)); // uint32
  if (Array.isArray(value)) return Buffer.concat([control(11, value.length), ...value.map(encode)]);
  if ('uint16' in value && typeof value.uint16 === 'number') return uint(5, BigInt(value.uint16));
  if ('uint32' in value && typeof value.uint32 === 'number') return uint(6, BigInt(value.uint32));
  const entries = Object.entries(value as Record<string, Value>);
  return Buffer.concat([control(7, entries.length), ...entries.flatMap(([k, v]) => [encode(k), encode(v)])]);
}

interface Node {
  children: [Node | number | null, Node | number | null]; // number = data offset
}

export function writeCountryMmdb(path: string, networks: { cidr: string; country: string }[]): void {
  const data: Buffer[] = [];
  let dataLength = 0;
  const root: Node = { children: [null, null] };
  for (const { cidr, country } of networks) {
    const [address, prefixText] = cidr.split('/') as [string, string];
    const prefix = Number(prefixText);
    const bits = address.split('.').reduce((acc, octet) => (acc << 8) | Number(octet), 0) >>> 0;
    const offset = dataLength;
    const record = encode({ country: { iso_code: country } });
    data.push(record);
    dataLength += record.length;
    let node = root;
    for (let i = 0; i < prefix; i++) {
      const bit = (bits >>> (31 - i)) & 1;
      if (i === prefix - 1) {
        node.children[bit] = offset;
      } else {
        let next = node.children[bit];
        if (next === null || typeof next === 'number') {
          next = { children: [null, null] };
          node.children[bit] = next;
        }
        node = next;
      }
    }
  }
  // Number the nodes breadth first (root = 0).
  const order: Node[] = [root];
  for (let i = 0; i < order.length; i++) for (const child of order[i]!.children) if (child && typeof child === 'object') order.push(child);
  const ids = new Map(order.map((node, index) => [node, index]));
  const nodeCount = order.length;
  const tree = Buffer.alloc(nodeCount * 6);
  order.forEach((node, index) => {
    node.children.forEach((child, side) => {
      const value = child === null ? nodeCount : typeof child === 'number' ? nodeCount + 16 + child : ids.get(child)!;
      tree.writeUIntBE(value, index * 6 + side * 3, 3);
    });
  });
  const metadata = encode({
    node_count: { uint32: nodeCount },
    record_size: { uint16: 24 },
    ip_version: { uint16: 4 },
    database_type: 'mtshield-test-country',
    languages: ['en'],
    binary_format_major_version: { uint16: 2 },
    binary_format_minor_version: { uint16: 0 },
    build_epoch: BigInt(1_767_225_600),
    description: { en: 'mtshield test data' },
  });
  writeFileSync(path, Buffer.concat([tree, Buffer.alloc(16), ...data, Buffer.from('abcdef4d61784d696e642e636f6d', 'hex'), metadata]));
}
