/**
 * How the floor subjects move bytes (docs/benchmarks.md "Floor subjects"): one listener per direction and
 * connection, a write per chunk, the source paused while its destination's buffer is full, and both sockets
 * destroyed when either ends. The `crypto` subject runs each chunk through the two AES-256-CTR streams a relay
 * needs (and the record layer for ee); `pipe` moves it as it came.
 */
import type { Socket } from 'node:net';
import type { Cipher } from 'node:crypto';
import { writeRecords, type RecordReader } from './faketls.js';
import type { ClientSession } from './handshake.js';

/**
 * Each socket's high-water mark: a source is paused once this much waits for its destination. mtshield's
 * default `max_buffer` (64 KiB); Node's 16 KiB default would pause after every 64 KiB read.
 */
export const BUFFER_BYTES = 64 * 1024;

/** Ends both sockets when either closes or fails. */
export function tie(a: Socket, b: Socket): void {
  const end = () => {
    a.destroy();
    b.destroy();
  };
  a.on('error', end).on('close', end);
  b.on('error', end).on('close', end);
}

/** A writer to `to` that pauses `from` while `to` is full. */
export function writer(from: Socket, to: Socket, write: (to: Socket, data: Buffer) => boolean): (data: Buffer) => void {
  const resume = () => from.resume();
  return (data) => {
    if (!write(to, data)) {
      from.pause();
      to.once('drain', resume);
    }
  };
}

const plainWrite = (to: Socket, data: Buffer) => to.write(data);

/** Bytes as they come, both ways. */
export function pipeBoth(client: Socket, upstream: Socket): void {
  tie(client, upstream);
  client.on('data', writer(client, upstream, plainWrite));
  upstream.on('data', writer(upstream, client, plainWrite));
}

/**
 * The client's half of a relay: its payload decrypted and handed to `forward`, and a function that sends
 * plaintext back to it, encrypted (and in records for ee).
 */
export function clientSide(client: Socket, session: ClientSession, forward: (plain: Buffer) => void): (plain: Buffer) => boolean {
  const { decrypt, records } = session;
  const fromClient = (payload: Buffer) => forward(decrypt.update(payload));
  const reader: RecordReader | undefined = records;
  if (reader) client.on('data', (chunk: Buffer) => void (reader.push(chunk, fromClient) || client.destroy()));
  else client.on('data', fromClient);
  const encrypt: Cipher = session.encrypt;
  return (plain) => (reader ? writeRecords(client, encrypt.update(plain)) : client.write(encrypt.update(plain)));
}

/** The client's streams, relayed to an upstream through `up` (encrypt towards it) and `down` (decrypt from it). */
export function cryptoRelay(client: Socket, session: ClientSession, upstream: Socket, up: Cipher, down: Cipher): void {
  tie(client, upstream);
  const toUpstream = writer(client, upstream, plainWrite);
  let toClient: (plain: Buffer) => boolean = () => true;
  const backpressured = writer(upstream, client, (_to, plain) => toClient(plain));
  toClient = clientSide(client, session, (plain) => toUpstream(up.update(plain)));
  upstream.on('data', (chunk: Buffer) => backpressured(down.update(chunk)));
  for (const payload of session.early) toUpstream(up.update(session.decrypt.update(payload)));
}

/** No upstream: the client's own frames come back to it, decrypted and encrypted again (the `crypto` subject without its dial). */
export function cryptoEcho(client: Socket, session: ClientSession): void {
  client.on('error', () => client.destroy());
  let toClient: (plain: Buffer) => boolean = () => true;
  const back = writer(client, client, (_to, plain) => toClient(plain));
  toClient = clientSide(client, session, back);
  for (const payload of session.early) back(session.decrypt.update(payload));
}
