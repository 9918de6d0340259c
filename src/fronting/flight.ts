/**
 * The first flight of a TLS server, read from the bytes it sent after our ClientHello. [RFC 8446 §4.1.3,
 * §5.1, §D.4; docs/protocol.md "Fake TLS"]
 *
 *   16 03 03 LL LL  ServerHello: 02 LL LL LL | 03 03 | random (32) | sid | suite (2) | 00 | ext len | extensions
 *   14 03 03 00 01 01                         ChangeCipherSpec (middlebox compatibility; not every server)
 *   17 03 03 LL LL  …                         encrypted EncryptedExtensions, Certificate, CertificateVerify,
 *                                             Finished: one record each, or packed, depending on the stack
 *
 * Only record headers and the clear ServerHello are read; nothing is decrypted. A TLS 1.2 site sends its
 * certificate in clear handshake records instead: their sizes stand in for the encrypted ones.
 */
import { FrontingError } from './errors.js';
import { RECORD_HEADER_LENGTH, TYPE_ALERT, TYPE_APPLICATION_DATA, TYPE_CHANGE_CIPHER_SPEC, TYPE_HANDSHAKE } from '../protocol/tls-records.js';

const EXT_KEY_SHARE = 0x0033;

/** The shape of a site's first flight, as a sample saw it and a profile keeps it. */
export interface FlightShape {
  /** Record content types in the order they came (16 handshake, 14 CCS, 17 application data). */
  readonly recordTypes: readonly number[];
  /** Length of the ServerHello handshake message with its 4-byte header (the record payload). */
  readonly serverHelloLength: number;
  readonly cipherSuite: number;
  /** ServerHello extension types in the order the site put them. */
  readonly extensionOrder: readonly number[];
  /** Group of the ServerHello key_share (0x001d x25519, 0x11ec X25519MLKEM768), if any. */
  readonly keyShareGroup?: number;
  readonly changeCipherSpec: boolean;
}

/** What one handshake with the site showed. */
export interface FlightSample extends FlightShape {
  /** Payload lengths of the records after the ServerHello that carry the certificate flight. */
  readonly encryptedSizes: readonly number[];
  /** TCP connect time, ms. */
  readonly connectMs: number;
  /** From our hello written to the flight's last byte, ms. */
  readonly flightMs: number;
}

export type ParsedFlight = Omit<FlightSample, 'connectMs' | 'flightMs'>;

/** Parses the records in `bytes` (a trailing partial record is ignored). Throws FrontingError. */
export function parseServerFlight(bytes: Uint8Array): ParsedFlight {
  const recordTypes: number[] = [];
  const encryptedSizes: number[] = [];
  let hello: Pick<ParsedFlight, 'serverHelloLength' | 'cipherSuite' | 'extensionOrder' | 'keyShareGroup'> | undefined;
  let at = 0;
  while (bytes.length - at >= RECORD_HEADER_LENGTH) {
    const type = bytes[at]!;
    const length = (bytes[at + 3]! << 8) | bytes[at + 4]!;
    if (bytes[at + 1] !== 0x03) throw new FrontingError('ERR_FRONTING_NOT_TLS', 'the site answered with something that is not a TLS record');
    if (type === TYPE_ALERT) throw new FrontingError('ERR_FRONTING_ALERT', 'the site refused the ClientHello with an alert');
    const end = at + RECORD_HEADER_LENGTH + length;
    if (end > bytes.length) break;
    const payload = bytes.subarray(at + RECORD_HEADER_LENGTH, end);
    if (hello === undefined) {
      if (type !== TYPE_HANDSHAKE) throw new FrontingError('ERR_FRONTING_NOT_TLS', 'the site did not start with a ServerHello');
      hello = parseServerHello(payload);
    } else if (type === TYPE_APPLICATION_DATA || type === TYPE_HANDSHAKE) {
      encryptedSizes.push(length);
    } else if (type !== TYPE_CHANGE_CIPHER_SPEC) {
      throw new FrontingError('ERR_FRONTING_NOT_TLS', `unexpected record type 0x${type.toString(16)} in the site's flight`);
    }
    recordTypes.push(type);
    at = end;
  }
  if (hello === undefined) throw new FrontingError('ERR_FRONTING_NOT_TLS', 'the site sent no complete ServerHello');
  return { ...hello, recordTypes, changeCipherSpec: recordTypes.includes(TYPE_CHANGE_CIPHER_SPEC), encryptedSizes };
}

function parseServerHello(p: Uint8Array): Pick<ParsedFlight, 'serverHelloLength' | 'cipherSuite' | 'extensionOrder' | 'keyShareGroup'> {
  const bad = (): never => {
    throw new FrontingError('ERR_FRONTING_NOT_TLS', 'the site sent a malformed ServerHello');
  };
  if (p.length < 4 + 2 + 32 + 1 || p[0] !== 0x02) bad();
  const length = (p[1]! << 16) | (p[2]! << 8) | p[3]!;
  const end = 4 + length;
  if (end > p.length) bad();
  let at = 4 + 2 + 32;
  at += 1 + p[at]!; // session id
  if (at + 3 > end) bad();
  const cipherSuite = (p[at]! << 8) | p[at + 1]!;
  at += 3; // suite, compression
  const extensionOrder: number[] = [];
  let keyShareGroup: number | undefined;
  if (at + 2 <= end) {
    const extEnd = at + 2 + ((p[at]! << 8) | p[at + 1]!);
    if (extEnd > end) bad();
    at += 2;
    while (at + 4 <= extEnd) {
      const type = (p[at]! << 8) | p[at + 1]!;
      const len = (p[at + 2]! << 8) | p[at + 3]!;
      if (type === EXT_KEY_SHARE && len >= 2) keyShareGroup = (p[at + 4]! << 8) | p[at + 5]!;
      extensionOrder.push(type);
      at += 4 + len;
    }
    if (at !== extEnd) bad();
  }
  return { serverHelloLength: end, cipherSuite, extensionOrder, keyShareGroup };
}
