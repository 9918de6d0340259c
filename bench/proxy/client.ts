/**
 * The load generator's client: the real client side of the handshake, built from src/protocol
 * (docs/protocol.md: obfuscated2 header, fake TLS), then an encrypted byte stream in both directions.
 *
 *   dd:  64-byte obfuscated2 header (tag dd dd dd dd, padded intermediate) ‖ AES-256-CTR payload
 *   ee:  ClientHello ─▶ ServerHello, CCS, app-data (HMAC'd server random) ─▶ CCS ‖ 17 03 03 records
 *        whose payload is the obfuscated2 header, then the AES-256-CTR payload
 */
import { connect, type Socket } from 'node:net';
import type { Cipher } from 'node:crypto';
import { buildClientHeader } from '../../src/protocol/obfuscated2.js';
import { buildClientHello, verifyServerAnswer } from '../../src/protocol/faketls.js';
import { CHANGE_CIPHER_SPEC, joinPayloads, recordParts, TlsRecordReader, wrapRecords } from '../../src/protocol/tls-records.js';
import { createCtrStream } from '../../src/protocol/ctr.js';
import type { ParsedSecret } from '../../src/protocol/secrets.js';

export interface ClientOptions {
  host: string;
  port: number;
  secret: ParsedSecret;
  dc: number;
  timeoutMs: number;
  /** Payload bytes per TLS record towards the proxy (ee only); at most 16 384. */
  recordPayload?: number;
}

export interface LoadClient {
  readonly socket: Socket;
  /** Encrypts and writes; returns what socket.write returned (false = wait for 'drain'). */
  send(plain: Uint8Array): boolean;
  /** Decrypted bytes from the proxy go to `listener`. */
  onData(listener: (plain: Buffer) => void): void;
  close(): void;
}

export async function connectClient(options: ClientOptions): Promise<LoadClient> {
  const socket = connect({ host: options.host, port: options.port, noDelay: true });
  const timer = setTimeout(() => socket.destroy(new Error(`handshake timed out after ${options.timeoutMs} ms`)), options.timeoutMs);
  try {
    await connected(socket);
    const client = options.secret.mode === 'ee' ? await fakeTlsHandshake(socket, options) : obfuscatedHandshake(socket, options);
    return client;
  } catch (err) {
    socket.destroy();
    throw err;
  } finally {
    clearTimeout(timer);
  }
}

/**
 * A client straight to the (fake) DC, as the proxy itself connects there: the obfuscated2 header with no
 * secret, padded intermediate, then AES-256-CTR. The latency scenario's baseline: the same framing and
 * crypto on the client, without the proxy in between.
 */
export async function connectDirect(options: { host: string; port: number; dc: number; timeoutMs: number }): Promise<LoadClient> {
  const socket = connect({ host: options.host, port: options.port, noDelay: true });
  const timer = setTimeout(() => socket.destroy(new Error(`connect timed out after ${options.timeoutMs} ms`)), options.timeoutMs);
  await connected(socket).finally(() => clearTimeout(timer));
  return headerClient(socket, undefined, 'padded', options.dc);
}

function connected(socket: Socket): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    socket.once('connect', resolve);
    socket.once('error', (err) => {
      socket.destroy();
      reject(err);
    });
  });
}

function obfuscatedHandshake(socket: Socket, options: ClientOptions): LoadClient {
  return headerClient(socket, options.secret.key, options.secret.mode === 'plain' ? 'abridged' : 'padded', options.dc);
}

function headerClient(socket: Socket, key: Uint8Array | undefined, tag: 'abridged' | 'padded', dc: number): LoadClient {
  const built = buildClientHeader(key, tag, dc);
  socket.write(built.header);
  const encrypt = createCtrStream(built.encrypt);
  const decrypt = createCtrStream(built.decrypt);
  return streamClient(socket, encrypt, decrypt, (ct) => socket.write(ct), (chunk, deliver) => deliver(chunk)).client;
}

async function fakeTlsHandshake(socket: Socket, options: ClientOptions): Promise<LoadClient> {
  const { key, domain } = options.secret;
  if (!domain) throw new Error('an ee secret needs a domain');
  const hello = buildClientHello(key, domain, Date.now());
  socket.write(hello.record);
  let received = Buffer.alloc(0);
  const rest = await new Promise<Buffer>((resolve, reject) => {
    const onData = (chunk: Buffer) => {
      received = Buffer.concat([received, chunk]);
      const answer = verifyServerAnswer(key, hello.random, new Uint8Array(received));
      if (answer.status === 'need-more') return;
      cleanup();
      if (answer.status === 'error') reject(answer.error);
      else resolve(received.subarray(answer.length));
    };
    const onClose = () => {
      cleanup();
      reject(new Error(`proxy closed during the fake-TLS handshake after ${received.length} bytes`));
    };
    const cleanup = () => {
      socket.off('data', onData);
      socket.off('close', onClose);
      socket.off('error', onClose);
    };
    socket.on('data', onData);
    socket.once('close', onClose);
    socket.once('error', onClose);
  });
  const built = buildClientHeader(key, 'padded', options.dc);
  const recordPayload = options.recordPayload ?? 16_384;
  socket.write(Buffer.concat([CHANGE_CIPHER_SPEC, wrapRecords(built.header, recordPayload)]));
  const encrypt = createCtrStream(built.encrypt);
  const decrypt = createCtrStream(built.decrypt);
  const reader = new TlsRecordReader({ allowChangeCipherSpec: false });
  const { client, feed } = streamClient(
    socket,
    encrypt,
    decrypt,
    // Records go out as header/payload pairs and come in as payload views, as the proxy handles them: a
    // load generator that copied every record set the pace of the ee runs (the proxy 85–87 % busy).
    (ct) => writeParts(socket, recordParts(ct, recordPayload)),
    (chunk, deliver) => {
      const payloads = reader.pushPartial(chunk);
      if (payloads.length > 0) deliver(joinPayloads(payloads));
    },
  );
  // Bytes that came in the same segment as the server's answer (none in practice: the proxy waits for us).
  if (rest.length > 0) setImmediate(() => feed(rest));
  return client;
}

/** One corked write of several parts; false when the socket asks to wait for 'drain'. */
function writeParts(socket: Socket, parts: readonly Uint8Array[]): boolean {
  socket.cork();
  let ok = true;
  for (const part of parts) ok = socket.write(part) && ok;
  socket.uncork();
  return ok;
}

function streamClient(
  socket: Socket,
  encrypt: Cipher,
  decrypt: Cipher,
  write: (ciphertext: Uint8Array) => boolean,
  unwrap: (chunk: Buffer, deliver: (ciphertext: Uint8Array) => void) => void,
): { client: LoadClient; feed(chunk: Buffer): void } {
  const listeners: Array<(plain: Buffer) => void> = [];
  const feed = (chunk: Buffer) => {
    unwrap(chunk, (ct) => {
      const plain = decrypt.update(ct);
      for (const l of listeners) l(plain);
    });
  };
  socket.on('data', feed);
  socket.on('error', () => socket.destroy());
  const client: LoadClient = {
    socket,
    send: (plain) => write(encrypt.update(plain)),
    onData: (listener) => listeners.push(listener),
    close: () => socket.destroy(),
  };
  return { client, feed };
}

/** A padded-intermediate frame: u32 LE length (payload + padding), payload, padding (docs/protocol.md, framings). */
export function paddedFrame(payload: Uint8Array, padding = 0): Uint8Array {
  const frame = new Uint8Array(4 + payload.length + padding);
  new DataView(frame.buffer).setUint32(0, payload.length + padding, true);
  frame.set(payload, 4);
  return frame;
}
