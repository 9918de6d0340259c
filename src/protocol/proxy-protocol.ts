/**
 * The PROXY protocol, versions 1 and 2 (haproxy's "The PROXY protocol Versions 1 & 2",
 * https://www.haproxy.org/download/2.9/doc/proxy-protocol.txt): a load balancer in front of the proxy prefixes
 * each connection with the real client's address. This module reads that header incrementally (bytes arrive in
 * chunks) and writes it (v2 for the fronting site, v1 for tests). See docs/fleet.md for where it sits.
 *
 * Strict and bounded: v1 is one CRLF-terminated line of at most 107 bytes (TCP4, TCP6, UNKNOWN); v2 is the
 * 12-byte signature, version 2, command LOCAL or PROXY, family UNSPEC/INET/INET6 over STREAM, and a length
 * checked against both the address block it must hold and a cap (default 1024 bytes). TLVs are walked so a
 * truncated one is refused, then skipped. LOCAL, UNSPEC and UNKNOWN carry no address: the caller keeps the
 * socket's own. Runs once per connection before the handshake, so the small copies here are off the hot path.
 */
import ipaddr from 'ipaddr.js';
import { isIPv4, isIPv6 } from 'node:net';
import { ProxyProtocolError } from './proxy-protocol-errors.js';

export { ProxyProtocolError, type ProxyProtocolErrorCode } from './proxy-protocol-errors.js';

export interface ProxyEndpoint {
  /** Normalised text; an IPv4-mapped IPv6 address is given as IPv4, as the rest of mtshield expects. */
  address: string;
  port: number;
}

export interface ProxyHeader {
  version: 1 | 2;
  /** 'proxy': relayed, `source` is the client; 'local': no client address (v2 LOCAL, v2 UNSPEC, v1 UNKNOWN). */
  command: 'proxy' | 'local';
  family: 'tcp4' | 'tcp6' | 'unspec';
  source?: ProxyEndpoint;
  destination?: ProxyEndpoint;
}

export type ProxyHeaderStep =
  | { kind: 'more' }
  /** `consumed` bytes of the last chunk were header; `rest` (a view, no copy) is the client's first bytes. */
  | { kind: 'done'; header: ProxyHeader; consumed: number; rest: Buffer };

export const PROXY_V1_MAX_LENGTH = 107;
export const PROXY_V2_SIGNATURE = Buffer.from([0x0d, 0x0a, 0x0d, 0x0a, 0x00, 0x0d, 0x0a, 0x51, 0x55, 0x49, 0x54, 0x0a]);
const V2_FIXED = 16;
const V1_PREFIX = Buffer.from('PROXY ', 'latin1');
const DEFAULT_MAX_V2_LENGTH = 1024;
const MORE = { kind: 'more' } as const;

const fail = (code: 'ERR_PROXY_PROTOCOL_MALFORMED' | 'ERR_PROXY_PROTOCOL_TOO_LARGE' | 'ERR_PROXY_PROTOCOL_UNSUPPORTED', message: string): never => {
  throw new ProxyProtocolError(code, message);
};

/** IPv6 bytes or text → the text mtshield uses (mapped IPv4 → dotted quad). */
function v6Text(address: ipaddr.IPv6): string {
  return address.isIPv4MappedAddress() ? address.toIPv4Address().toString() : address.toString();
}

/**
 * One reader per connection. `push` each chunk until it returns 'done' (or throws a ProxyProtocolError);
 * a chunk holding the whole header is parsed in place, a split one is gathered in one bounded buffer.
 */
export class ProxyHeaderReader {
  private readonly maxV2Length: number;
  private held?: Buffer;
  private heldLength = 0;

  constructor(options: { maxV2Length?: number } = {}) {
    this.maxV2Length = options.maxV2Length ?? DEFAULT_MAX_V2_LENGTH;
  }

  push(chunk: Buffer): ProxyHeaderStep {
    if (!this.held) {
      const parsed = parseProxyHeader(chunk, chunk.length, this.maxV2Length);
      if (parsed) return { kind: 'done', header: parsed.header, consumed: parsed.size, rest: chunk.subarray(parsed.size) };
      this.held = Buffer.allocUnsafe(V2_FIXED + this.maxV2Length);
    }
    const before = this.heldLength;
    const taken = chunk.copy(this.held, before, 0, Math.min(chunk.length, this.held.length - before));
    this.heldLength += taken;
    const parsed = parseProxyHeader(this.held, this.heldLength, this.maxV2Length);
    if (!parsed) {
      if (this.heldLength === this.held.length) fail('ERR_PROXY_PROTOCOL_TOO_LARGE', 'PROXY header longer than the cap');
      return MORE;
    }
    const consumed = parsed.size - before;
    this.held = undefined;
    return { kind: 'done', header: parsed.header, consumed, rest: chunk.subarray(consumed) };
  }
}

/** Parses a header at the start of `bytes[0, length)`; undefined when more bytes are needed. Throws on bad input. */
export function parseProxyHeader(bytes: Buffer, length: number, maxV2Length = DEFAULT_MAX_V2_LENGTH): { header: ProxyHeader; size: number } | undefined {
  if (length === 0) return undefined;
  if (bytes[0] === V1_PREFIX[0]) return parseV1(bytes, length);
  if (bytes[0] === PROXY_V2_SIGNATURE[0]) return parseV2(bytes, length, maxV2Length);
  return fail('ERR_PROXY_PROTOCOL_MALFORMED', 'connection does not start with a PROXY header');
}

function expectPrefix(bytes: Buffer, length: number, prefix: Buffer, what: string): boolean {
  const n = Math.min(length, prefix.length);
  for (let i = 0; i < n; i++) if (bytes[i] !== prefix[i]) fail('ERR_PROXY_PROTOCOL_MALFORMED', `bad ${what} signature`);
  return length >= prefix.length;
}

function parseV1(bytes: Buffer, length: number): { header: ProxyHeader; size: number } | undefined {
  if (!expectPrefix(bytes, length, V1_PREFIX, 'PROXY v1')) return undefined;
  const scan = Math.min(length, PROXY_V1_MAX_LENGTH);
  let end = -1;
  for (let i = V1_PREFIX.length; i < scan; i++) {
    const c = bytes[i]!;
    if (c === 0x0d) {
      if (i + 1 >= length) return undefined;
      if (bytes[i + 1] !== 0x0a) fail('ERR_PROXY_PROTOCOL_MALFORMED', 'PROXY v1 line has a bare CR');
      end = i;
      break;
    }
    if (c < 0x20 || c > 0x7e) fail('ERR_PROXY_PROTOCOL_MALFORMED', 'PROXY v1 line holds a non-printable byte');
  }
  if (end < 0) {
    if (length >= PROXY_V1_MAX_LENGTH) fail('ERR_PROXY_PROTOCOL_TOO_LARGE', `PROXY v1 line longer than ${PROXY_V1_MAX_LENGTH} bytes`);
    return undefined;
  }
  const size = end + 2;
  const fields = bytes.toString('latin1', V1_PREFIX.length, end).split(' ');
  const protocol = fields[0];
  // "UNKNOWN": the receiver ignores the rest of the line and keeps the socket's addresses.
  if (protocol === 'UNKNOWN') return { header: { version: 1, command: 'local', family: 'unspec' }, size };
  if (protocol !== 'TCP4' && protocol !== 'TCP6') return fail('ERR_PROXY_PROTOCOL_UNSUPPORTED', 'PROXY v1 protocol is not TCP4, TCP6 or UNKNOWN');
  if (fields.length !== 5) fail('ERR_PROXY_PROTOCOL_MALFORMED', 'PROXY v1 line needs exactly 4 fields after the protocol');
  const family = protocol === 'TCP4' ? 'tcp4' : 'tcp6';
  const source = v1Endpoint(fields[1]!, fields[3]!, family);
  const destination = v1Endpoint(fields[2]!, fields[4]!, family);
  return { header: { version: 1, command: 'proxy', family, source, destination }, size };
}

function v1Endpoint(address: string, port: string, family: 'tcp4' | 'tcp6'): ProxyEndpoint {
  if (!/^(0|[1-9][0-9]{0,4})$/.test(port) || Number(port) > 65535) fail('ERR_PROXY_PROTOCOL_MALFORMED', 'PROXY v1 port is not 0–65535');
  if (family === 'tcp4') {
    if (!isIPv4(address)) fail('ERR_PROXY_PROTOCOL_MALFORMED', 'PROXY v1 TCP4 address is not IPv4');
    return { address, port: Number(port) };
  }
  if (!isIPv6(address) || address.includes('%')) fail('ERR_PROXY_PROTOCOL_MALFORMED', 'PROXY v1 TCP6 address is not IPv6');
  return { address: v6Text(ipaddr.IPv6.parse(address)), port: Number(port) };
}

function parseV2(bytes: Buffer, length: number, maxV2Length: number): { header: ProxyHeader; size: number } | undefined {
  if (!expectPrefix(bytes, length, PROXY_V2_SIGNATURE, 'PROXY v2')) return undefined;
  if (length < V2_FIXED) return undefined;
  const versionCommand = bytes[12]!;
  if (versionCommand >> 4 !== 2) fail('ERR_PROXY_PROTOCOL_UNSUPPORTED', 'PROXY binary header is not version 2');
  const command = versionCommand & 0x0f;
  if (command > 1) fail('ERR_PROXY_PROTOCOL_MALFORMED', 'PROXY v2 command is neither LOCAL nor PROXY');
  const blockLength = bytes.readUInt16BE(14);
  if (blockLength > maxV2Length) fail('ERR_PROXY_PROTOCOL_TOO_LARGE', `PROXY v2 length ${blockLength} is over the cap of ${maxV2Length}`);
  const size = V2_FIXED + blockLength;
  if (length < size) return undefined;
  const familyByte = bytes[13]!;
  const family = familyByte >> 4;
  const transport = familyByte & 0x0f;
  // LOCAL (health checks by the balancer) and UNSPEC: the receiver discards the block and uses the real endpoints.
  if (command === 0 || family === 0) return { header: { version: 2, command: 'local', family: 'unspec' }, size };
  if (family === 3) fail('ERR_PROXY_PROTOCOL_UNSUPPORTED', 'PROXY v2 UNIX-socket addresses are not served');
  if (family > 3) fail('ERR_PROXY_PROTOCOL_MALFORMED', 'PROXY v2 address family is unknown');
  if (transport !== 1) fail('ERR_PROXY_PROTOCOL_UNSUPPORTED', 'PROXY v2 transport is not STREAM (TCP)');
  const at = V2_FIXED;
  if (family === 1) {
    if (blockLength < 12) fail('ERR_PROXY_PROTOCOL_MALFORMED', 'PROXY v2 INET block shorter than 12 bytes');
    const source = { address: v4Text(bytes, at), port: bytes.readUInt16BE(at + 8) };
    const destination = { address: v4Text(bytes, at + 4), port: bytes.readUInt16BE(at + 10) };
    return { header: { version: 2, command: 'proxy', family: 'tcp4', source, destination }, size: skipTlvs(bytes, at + 12, size) };
  }
  if (blockLength < 36) fail('ERR_PROXY_PROTOCOL_MALFORMED', 'PROXY v2 INET6 block shorter than 36 bytes');
  const source = { address: v6Bytes(bytes, at), port: bytes.readUInt16BE(at + 32) };
  const destination = { address: v6Bytes(bytes, at + 16), port: bytes.readUInt16BE(at + 34) };
  return { header: { version: 2, command: 'proxy', family: 'tcp6', source, destination }, size: skipTlvs(bytes, at + 36, size) };
}

function v4Text(bytes: Buffer, at: number): string {
  return `${bytes[at]}.${bytes[at + 1]}.${bytes[at + 2]}.${bytes[at + 3]}`;
}

function v6Bytes(bytes: Buffer, at: number): string {
  return v6Text(ipaddr.fromByteArray(Array.from(bytes.subarray(at, at + 16))) as ipaddr.IPv6);
}

/**
 * Walks the TLVs between `at` and `end` (type, 16-bit length, value) so one that runs past the block is refused;
 * their content (ALPN, authority, CRC32C, vendor data) is not used. Returns `end`. LOCAL and UNSPEC blocks are
 * not walked: the spec tells the receiver to discard them whole.
 */
function skipTlvs(bytes: Buffer, at: number, end: number): number {
  let offset = at;
  while (offset < end) {
    if (offset + 3 > end) fail('ERR_PROXY_PROTOCOL_MALFORMED', 'PROXY v2 TLV header is truncated');
    offset += 3 + bytes.readUInt16BE(offset + 1);
    if (offset > end) fail('ERR_PROXY_PROTOCOL_MALFORMED', 'PROXY v2 TLV runs past the header length');
  }
  return end;
}
