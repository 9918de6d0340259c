/**
 * A fake Telegram DC for tests: the DC side of obfuscated2 with no secret (src/protocol parseDcHeader),
 * then either an echo of every byte (valid for every framing, since frames come back as they went) or,
 * in `send` mode, a burst of N bytes of payload framed like the client's first frame.
 * It records each connection's header (DC id and tag) for assertions and, with `recordWritten`, the raw
 * (encrypted) bytes it wrote after the handshake, so tests can compare them with what a client received.
 */
import { createServer, type Server, type Socket } from 'node:net';
import { HEADER_LENGTH, parseDcHeader, type ProtocolTag } from '../../src/protocol/obfuscated2.js';
import { createCtrStream } from '../../src/protocol/ctr.js';
import { encodeFrame } from '../../src/protocol/framing.js';
import { closeServer, listenOnFreePort } from './net.js';

export interface FakeDcOptions {
  /** 'echo' (default) or a number: bytes of payload to send back as one frame after the first frame. */
  mode?: 'echo' | { send: number };
  host?: string;
  /** Keep every chunk written to each connection in `written` (off by default: echo tests move many MiB). */
  recordWritten?: boolean;
}

export interface FakeDcConnection {
  dc: number;
  tag: ProtocolTag;
  bytesIn: number;
  /** With `recordWritten`: every chunk the DC wrote to this connection as it went on the wire (ciphertext). */
  written: Buffer[];
}

export interface FakeDc {
  host: string;
  port: number;
  connections: FakeDcConnection[];
  sockets: Set<Socket>;
  close(): Promise<void>;
}

export async function startFakeDc(options: FakeDcOptions = {}): Promise<FakeDc> {
  const connections: FakeDcConnection[] = [];
  const sockets = new Set<Socket>();
  const server: Server = createServer({ allowHalfOpen: true }, (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => {});
    let header: Buffer = Buffer.alloc(0);
    let decrypt: ReturnType<typeof createCtrStream> | undefined;
    let encrypt: ReturnType<typeof createCtrStream> | undefined;
    let record: FakeDcConnection | undefined;
    let sent = false;
    const write = (bytes: Buffer) => {
      if (options.recordWritten) record!.written.push(bytes);
      socket.write(bytes);
    };
    socket.on('data', (chunk: Buffer) => {
      if (!decrypt) {
        header = Buffer.concat([header, chunk]);
        if (header.length < HEADER_LENGTH) return;
        const match = parseDcHeader(header.subarray(0, HEADER_LENGTH));
        if (!match.ok) return void socket.destroy();
        decrypt = createCtrStream(match.decrypt);
        encrypt = createCtrStream(match.encrypt);
        record = { dc: match.dc, tag: match.tag, bytesIn: 0, written: [] };
        connections.push(record);
        chunk = header.subarray(HEADER_LENGTH);
        if (chunk.length === 0) return;
      }
      const plain = decrypt.update(chunk);
      record!.bytesIn += plain.length;
      const mode = options.mode ?? 'echo';
      if (mode === 'echo') {
        write(encrypt!.update(plain));
      } else if (!sent) {
        sent = true;
        write(encrypt!.update(frameFor(record!.tag, mode.send)));
      }
    });
    socket.on('end', () => socket.end());
  });
  const host = options.host ?? '127.0.0.1';
  const port = await listenOnFreePort(server, host);
  return {
    host,
    port,
    connections,
    sockets,
    async close() {
      for (const s of sockets) s.destroy();
      await closeServer(server);
    },
  };
}

/** One frame of `size` payload bytes (a multiple of 4) in the client's framing, with no padding. */
function frameFor(tag: ProtocolTag, size: number): Uint8Array {
  return encodeFrame(tag, new Uint8Array(size).fill(0x5a), { padding: 0 });
}
