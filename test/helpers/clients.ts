/**
 * Real client transports, driven at the transport level (connect, send frames, receive frames):
 *   - mtcute 0.30.3 `MtProxyTcpTransport` (plain, dd, ee secrets) with its own packet codecs (from @mtcute/core:
 *     mtcute-transport.ts);
 *   - GramJS `ConnectionTCPMTProxyAbridged` (plain and dd; it writes the DC id into one byte, so negative
 *     DC ids arrive mangled — a client bug, not ours).
 */
import { Bytes } from '@fuman/io';
import { MtProxyTcpTransport, NodeCryptoProvider, silentLog } from './mtcute-transport.js';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);

export interface FrameClient {
  send(frame: Uint8Array): Promise<void>;
  receive(timeoutMs?: number): Promise<Uint8Array>;
  close(): Promise<void>;
}

export interface DcChoice {
  id: number;
  media?: boolean;
  test?: boolean;
}

let sharedCrypto: NodeCryptoProvider | undefined;

export async function mtcuteClient(port: number, secret: string, dc: DcChoice = { id: 2 }): Promise<FrameClient> {
  const crypto = (sharedCrypto ??= new NodeCryptoProvider());
  const log = silentLog();
  const transport = new MtProxyTcpTransport({ host: '127.0.0.1', port, secret });
  transport.setup(crypto, log);
  const dcOption = { id: dc.id, ipAddress: '127.0.0.1', port: 443, mediaOnly: dc.media, testMode: dc.test } as never;
  const conn = (await (transport.connect as (dc: unknown) => Promise<unknown>)(dcOption)) as {
    read(into: Uint8Array): Promise<number>;
    write(bytes: Uint8Array): Promise<void>;
    close(): void;
  };
  const codec = transport.packetCodec(dcOption);
  codec.setup?.(crypto, log);
  const tag = await codec.tag();
  if (tag.length > 0) await conn.write(tag);
  const inbox = Bytes.alloc(1 << 16);
  const scratch = new Uint8Array(1 << 16);
  return {
    async send(frame) {
      const out = Bytes.alloc(frame.length + 64);
      await codec.encode(frame, out);
      await conn.write(out.result());
    },
    async receive(timeoutMs = 10_000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const frame = await codec.decode(inbox, false);
        if (frame) return frame.slice();
        if (Date.now() > deadline) throw new Error('mtcute: no frame before the deadline');
        const n = await withTimeout(conn.read(scratch), deadline - Date.now());
        if (n === 0) throw new Error('mtcute: connection closed');
        inbox.writeSync(n).set(scratch.subarray(0, n));
        inbox.disposeWriteSync();
      }
    },
    async close() {
      conn.close();
    },
  };
}

export async function gramjsClient(port: number, secret: string, dcId = 2): Promise<FrameClient> {
  require('telegram'); // load the package first: its modules import each other in a cycle
  const { ConnectionTCPMTProxyAbridged } = require('telegram/network/connection/TCPMTProxy.js');
  const { PromisedNetSockets, Logger } = require('telegram/extensions/index.js');
  const logger = new Logger('none');
  const connection = new ConnectionTCPMTProxyAbridged({
    ip: '127.0.0.1',
    port: 443,
    dcId,
    loggers: logger,
    proxy: { ip: '127.0.0.1', port, secret, MTProxy: true },
    socket: PromisedNetSockets,
    testServers: false,
  });
  await connection.connect();
  return {
    async send(frame) {
      await connection.send(Buffer.from(frame));
    },
    async receive(timeoutMs = 10_000) {
      return new Uint8Array(await withTimeout(connection.recv() as Promise<Buffer>, timeoutMs));
    },
    async close() {
      await connection.disconnect();
    },
  };
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms`)), Math.max(1, ms));
    promise.then(
      (v) => {
        clearTimeout(timer);
        resolve(v);
      },
      (e) => {
        clearTimeout(timer);
        reject(e);
      },
    );
  });
}
