/**
 * A hand-driven MTProxy client built from src/protocol pieces, for the tests real clients cannot express:
 * split and fragmented hellos, wrong keys, stale timestamps, wrong SNI, replays, oversized records.
 *
 *   obfuscated2: [64-byte header][frames…]                         (keys from buildClientHeader)
 *   fake TLS:    hello → 3-record answer → 14 03 03 00 01 01 → 17 03 03 records [header ‖ frames]
 */
import type { Socket } from 'node:net';
import { createCtrStream } from '../../src/protocol/ctr.js';
import { buildClientHello, verifyServerAnswer, type BuiltClientHello } from '../../src/protocol/faketls.js';
import { encodeFrame, FrameDecoder, type FramingKind } from '../../src/protocol/framing.js';
import { buildClientHeader, type BuiltHeader } from '../../src/protocol/obfuscated2.js';
import { CHANGE_CIPHER_SPEC, TlsRecordReader, wrapRecords } from '../../src/protocol/tls-records.js';
import { connectTo, readAtLeast } from './net.js';

export interface RawClient {
  socket: Socket;
  send(payload: Uint8Array): void;
  receive(timeoutMs?: number): Promise<Uint8Array>;
}

/** Splits `bytes` and writes the parts as separate segments (Nagle is off; a pause between parts). */
export async function writeInParts(socket: Socket, bytes: Uint8Array, cuts: number[]): Promise<void> {
  let at = 0;
  for (const cut of [...cuts, bytes.length]) {
    if (cut <= at) continue;
    socket.write(bytes.subarray(at, cut));
    at = cut;
    await new Promise((r) => setTimeout(r, 5));
  }
}

/** Re-encodes a single-record ClientHello as several handshake records of at most `size` bytes each. */
export function fragmentHello(record: Uint8Array, size: number): Uint8Array {
  const body = record.subarray(5);
  const parts: Uint8Array[] = [];
  for (let at = 0; at < body.length; at += size) {
    const piece = body.subarray(at, Math.min(body.length, at + size));
    parts.push(Uint8Array.of(0x16, 0x03, 0x01, piece.length >> 8, piece.length & 0xff), piece);
  }
  return Buffer.concat(parts);
}

function framedSession(socket: Socket, kind: FramingKind, header: BuiltHeader, wrap: boolean, firstPrefix?: Uint8Array): RawClient {
  const encrypt = createCtrStream(header.encrypt);
  const decrypt = createCtrStream(header.decrypt);
  const decoder = new FrameDecoder(kind, { direction: 'from-server' });
  // Towards the client the proxy must keep records at most 16 384 bytes (tdlib refuses larger ones).
  const records = wrap ? new TlsRecordReader({ allowChangeCipherSpec: false, maxRecordLength: 16_384 }) : undefined;
  const inbox: Uint8Array[] = [];
  let waiter: (() => void) | undefined;
  socket.on('data', (chunk: Buffer) => {
    const payloads = records ? records.push(chunk) : [chunk];
    for (const p of payloads) {
      for (const f of decoder.push(decrypt.update(p))) if (f.type === 'data') inbox.push(f.payload);
    }
    waiter?.();
  });
  socket.resume();
  let prefix = firstPrefix;
  return {
    socket,
    send(payload) {
      let bytes: Uint8Array = encrypt.update(encodeFrame(kind, payload, { padding: 0 }));
      if (prefix) {
        bytes = Buffer.concat([prefix, bytes]);
        prefix = undefined;
      }
      socket.write(wrap ? wrapRecords(bytes, 2878) : bytes);
    },
    receive(timeoutMs = 10_000) {
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error('raw client: no frame in time')), timeoutMs);
        const check = () => {
          const next = inbox.shift();
          if (next) {
            clearTimeout(timer);
            waiter = undefined;
            resolve(next);
          }
        };
        waiter = check;
        check();
      });
    },
  };
}

/** Plain/dd obfuscated2 client; `header` may be a replayed one. */
export async function obfuscatedClient(
  port: number,
  key: Uint8Array,
  options: { kind?: FramingKind; dc?: number; header?: BuiltHeader; localAddress?: string; host?: string; before?: Uint8Array } = {},
): Promise<RawClient & { header: BuiltHeader }> {
  const kind = options.kind ?? 'padded';
  const header = options.header ?? buildClientHeader(key, kind, options.dc ?? 2);
  const socket = await connectTo(port, options.host ?? '127.0.0.1', options.localAddress);
  // `before`: bytes a load balancer puts ahead of the client's (a PROXY header), in the same segment.
  socket.write(options.before ? Buffer.concat([options.before, header.header]) : header.header);
  return { ...framedSession(socket, kind, header, false), header };
}

export interface TlsClientOptions {
  hello?: BuiltClientHello;
  nowMs?: number;
  /** Segment cuts for the hello bytes. */
  cuts?: number[];
  /** Re-fragment the hello into handshake records of this size. */
  fragment?: number;
  dc?: number;
}

/** Sends a fake-TLS hello and returns the socket with the hello bytes as sent (for fronting checks). */
export async function sendHello(port: number, key: Uint8Array, domain: string, options: TlsClientOptions = {}) {
  const hello = options.hello ?? buildClientHello(key, domain, options.nowMs ?? Date.now());
  const wire = options.fragment ? fragmentHello(hello.record, options.fragment) : hello.record;
  const socket = await connectTo(port);
  await writeInParts(socket, wire, options.cuts ?? []);
  return { socket, hello, wire };
}

/** A full fake-TLS client: hello, answer check, CCS, then frames inside application-data records. */
export async function fakeTlsClient(port: number, key: Uint8Array, domain: string, options: TlsClientOptions = {}): Promise<RawClient> {
  const { socket, hello } = await sendHello(port, key, domain, options);
  let answer = Buffer.alloc(0);
  for (;;) {
    answer = Buffer.concat([answer, await readAtLeast(socket, 1)]);
    const result = verifyServerAnswer(key, hello.random, answer);
    if (result.status === 'error') throw result.error;
    if (result.status === 'ok') {
      if (answer.length > result.length) socket.unshift(answer.subarray(result.length));
      break;
    }
  }
  const header = buildClientHeader(key, 'padded', options.dc ?? 2);
  socket.write(CHANGE_CIPHER_SPEC);
  return framedSession(socket, 'padded', header, true, header.header);
}
