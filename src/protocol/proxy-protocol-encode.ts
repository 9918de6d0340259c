/**
 * Writing a PROXY protocol header (haproxy's "The PROXY protocol Versions 1 & 2"): v2 is what mtshield sends
 * to the fronting site when `[fronting] proxy_protocol = true`, so that site logs the real client; v1 exists
 * for tests and for balancers that only speak text. When the two addresses differ in family, both are written
 * as IPv6 (IPv4 as IPv4-mapped), which the spec's single family byte requires.
 */
import ipaddr from 'ipaddr.js';
import { ProxyProtocolError } from './proxy-protocol-errors.js';
import { PROXY_V2_SIGNATURE, type ProxyEndpoint } from './proxy-protocol.js';

export interface ProxiedConnection {
  source: ProxyEndpoint;
  destination: ProxyEndpoint;
}

type Parsed = ipaddr.IPv4 | ipaddr.IPv6;

function parseEndpoint(endpoint: ProxyEndpoint): Parsed {
  const bare = endpoint.address.replace(/^\[|\]$/g, '');
  if (!ipaddr.isValid(bare) || bare.includes('%')) throw new ProxyProtocolError('ERR_PROXY_PROTOCOL_ADDRESS', 'PROXY header address is not an IP address');
  if (!Number.isInteger(endpoint.port) || endpoint.port < 0 || endpoint.port > 65535) {
    throw new ProxyProtocolError('ERR_PROXY_PROTOCOL_ADDRESS', 'PROXY header port is not 0–65535');
  }
  return ipaddr.process(bare);
}

/** Both addresses in one family: IPv4 when both are (mapped counts as IPv4), else both IPv6. */
function oneFamily(connection: ProxiedConnection): { v4: boolean; source: Parsed; destination: Parsed } {
  const source = parseEndpoint(connection.source);
  const destination = parseEndpoint(connection.destination);
  if (source.kind() === 'ipv4' && destination.kind() === 'ipv4') return { v4: true, source, destination };
  const v6 = (a: Parsed): ipaddr.IPv6 => (a.kind() === 'ipv4' ? (a as ipaddr.IPv4).toIPv4MappedAddress() : (a as ipaddr.IPv6));
  return { v4: false, source: v6(source), destination: v6(destination) };
}

/** A v2 header: PROXY over TCP4/TCP6 for a relayed connection, or LOCAL (no address) for `'local'`. */
export function encodeProxyV2(connection: ProxiedConnection | 'local'): Buffer {
  if (connection === 'local') {
    const header = Buffer.alloc(16);
    PROXY_V2_SIGNATURE.copy(header, 0);
    header[12] = 0x20; // version 2, LOCAL
    return header;
  }
  const { v4, source, destination } = oneFamily(connection);
  const addressBytes = v4 ? 4 : 16;
  const blockLength = addressBytes * 2 + 4;
  const header = Buffer.alloc(16 + blockLength);
  PROXY_V2_SIGNATURE.copy(header, 0);
  header[12] = 0x21; // version 2, PROXY
  header[13] = v4 ? 0x11 : 0x21; // INET or INET6, over STREAM
  header.writeUInt16BE(blockLength, 14);
  header.set(source.toByteArray(), 16);
  header.set(destination.toByteArray(), 16 + addressBytes);
  header.writeUInt16BE(connection.source.port, 16 + addressBytes * 2);
  header.writeUInt16BE(connection.destination.port, 18 + addressBytes * 2);
  return header;
}

/** A v1 line: "PROXY TCP4|TCP6 src dst sport dport\r\n", or "PROXY UNKNOWN\r\n" for `'unknown'`. */
export function encodeProxyV1(connection: ProxiedConnection | 'unknown'): Buffer {
  if (connection === 'unknown') return Buffer.from('PROXY UNKNOWN\r\n', 'latin1');
  const { v4, source, destination } = oneFamily(connection);
  return Buffer.from(`PROXY ${v4 ? 'TCP4' : 'TCP6'} ${source.toString()} ${destination.toString()} ${connection.source.port} ${connection.destination.port}\r\n`, 'latin1');
}
