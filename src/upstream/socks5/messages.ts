/**
 * SOCKS5 messages as bytes (RFC 1928 sections 3–6; RFC 1929 section 2): the greeting, the username/password
 * sub-negotiation and CONNECT, and the lengths of the server's answers so a reader never takes more than one
 * answer's bytes.
 */
import { isIP } from 'node:net';
import ipaddr from 'ipaddr.js';
import { Socks5Error } from './errors.js';

export const VERSION = 0x05;
export const METHOD_NO_AUTH = 0x00;
export const METHOD_USERNAME_PASSWORD = 0x02;
export const METHOD_NONE_ACCEPTABLE = 0xff;
/** RFC 1929: the sub-negotiation's own version byte. */
export const AUTH_VERSION = 0x01;
const CMD_CONNECT = 0x01;
export const ATYP_IPV4 = 0x01;
export const ATYP_DOMAIN = 0x03;
export const ATYP_IPV6 = 0x04;

export interface Socks5Credentials {
  readonly username: string;
  readonly password: string;
}

/** VER, NMETHODS, METHODS: only username/password when credentials are configured, else only "no auth". */
export function greeting(credentials: Socks5Credentials | undefined): Buffer {
  return Buffer.from([VERSION, 1, credentials ? METHOD_USERNAME_PASSWORD : METHOD_NO_AUTH]);
}

/** RFC 1929: VER, ULEN, UNAME, PLEN, PASSWD (config checks each is at most 255 bytes; checked again here). */
export function authRequest(credentials: Socks5Credentials): Buffer {
  const user = Buffer.from(credentials.username, 'utf8');
  const pass = Buffer.from(credentials.password, 'utf8');
  if (user.length < 1 || user.length > 255 || pass.length > 255) {
    throw new Socks5Error('ERR_SOCKS5_CREDENTIALS', 'SOCKS5 username must be 1–255 bytes and password at most 255 bytes (RFC 1929)');
  }
  return Buffer.concat([Buffer.from([AUTH_VERSION, user.length]), user, Buffer.from([pass.length]), pass]);
}

/** VER, CMD = CONNECT, RSV, ATYP, DST.ADDR, DST.PORT: IPv4, IPv6 or a domain name the server resolves. */
export function connectRequest(host: string, port: number): Buffer {
  const head = [VERSION, CMD_CONNECT, 0x00];
  const family = isIP(host);
  let address: Buffer;
  if (family === 4) address = Buffer.from([ATYP_IPV4, ...ipaddr.parse(host).toByteArray()]);
  else if (family === 6) address = Buffer.from([ATYP_IPV6, ...ipaddr.parse(host).toByteArray()]);
  else {
    const name = Buffer.from(host, 'utf8');
    if (name.length < 1 || name.length > 255) throw new Socks5Error('ERR_SOCKS5_ADDRESS_TOO_LONG', 'a SOCKS5 domain name is 1–255 bytes');
    address = Buffer.concat([Buffer.from([ATYP_DOMAIN, name.length]), name]);
  }
  const portBytes = Buffer.from([port >> 8, port & 0xff]);
  return Buffer.concat([Buffer.from(head), address, portBytes]);
}

/** Bytes of BND.ADDR after the ATYP byte of a reply (for a domain: after its length byte, which `lengthByte` is). */
export function boundAddressLength(atyp: number, lengthByte: number): number {
  if (atyp === ATYP_IPV4) return 4;
  if (atyp === ATYP_IPV6) return 16;
  if (atyp === ATYP_DOMAIN) return lengthByte;
  throw new Socks5Error('ERR_SOCKS5_PROTOCOL', `SOCKS5 reply with unknown address type 0x${atyp.toString(16)}`);
}
