/**
 * A floor subject's side of a client's handshake (docs/benchmarks.md "Floor subjects"): dd, the 64-byte
 * obfuscated2 header; ee (first byte 0x16), the ClientHello checked and answered, then the header out of the
 * first application-data records. Hands the client's streams and any payload that came with the header to
 * `ready`; closes the socket on anything else.
 */
import type { Socket } from 'node:net';
import { acceptClientHeader, HEADER_LENGTH, type ClientKeys } from './obfuscated2.js';
import { checkClientHello, recordSize, RecordReader, serverAnswer } from './faketls.js';

export interface ClientSession extends ClientKeys {
  /** ee: the record layer's reader for everything after the header (absent for dd). */
  records?: RecordReader;
  /** Ciphertext payload that arrived with the header, in order (normally none). */
  early: Buffer[];
}

const MAX_HELLO = 16_384 + 5;

/** 16 03 01: a TLS handshake record (a random obfuscated2 header starts so once in 2^24). */
export const isTls = (first: Buffer) => first[0] === 0x16 && first[1] === 0x03 && first[2] === 0x01;

export function acceptClient(socket: Socket, secrets: readonly Buffer[], ready: (session: ClientSession) => void): void {
  let buffered: Buffer = Buffer.alloc(0);
  let records: RecordReader | undefined;
  let tlsSecret: Buffer[] = [];
  let header: Buffer = Buffer.alloc(0);
  const early: Buffer[] = [];
  const fail = () => {
    socket.off('data', onData);
    socket.destroy();
  };
  const finish = () => {
    const keys = acceptClientHeader(header.subarray(0, HEADER_LENGTH), records ? tlsSecret : secrets);
    if (!keys) return fail();
    socket.off('data', onData);
    ready({ ...keys, records, early });
  };
  const collectHeader = (payload: Buffer) => {
    const need = HEADER_LENGTH - header.length;
    if (need <= 0) return void early.push(payload);
    header = Buffer.concat([header, payload.subarray(0, need)]);
    if (payload.length > need) early.push(payload.subarray(need));
  };
  const onData = (chunk: Buffer) => {
    if (records) {
      if (!records.push(chunk, collectHeader)) return fail();
      if (header.length >= HEADER_LENGTH) finish();
      return;
    }
    buffered = buffered.length === 0 ? chunk : Buffer.concat([buffered, chunk]);
    if (buffered.length < 3) return;
    if (!isTls(buffered)) {
      if (buffered.length < HEADER_LENGTH) return;
      header = buffered.subarray(0, HEADER_LENGTH);
      if (buffered.length > HEADER_LENGTH) early.push(buffered.subarray(HEADER_LENGTH));
      return finish();
    }
    const size = recordSize(buffered);
    if (size === 0 || buffered.length < size) return void (buffered.length > MAX_HELLO && fail());
    const hello = checkClientHello(buffered.subarray(0, size), secrets, Math.floor(Date.now() / 1000));
    if (!hello) return fail();
    tlsSecret = [hello.secret];
    records = new RecordReader();
    socket.write(serverAnswer(hello));
    if (buffered.length > size) onData(buffered.subarray(size));
  };
  socket.on('data', onData);
}
