/**
 * The `pipe` floor's upstream, in the benchmark process (docs/benchmarks.md "Floor subjects"): a client's
 * handshake and crypto as the `crypto` subject does them, then its frames echoed back, so the load generator's
 * clients work through a `pipe` that never touches a key. It stands where the fake DC stands for the others
 * (fake-dc.ts): the same amount of AES-256-CTR per byte in the benchmark process, plus the handshakes.
 */
import { createServer, type Socket } from 'node:net';
import { listenOnPort0 } from '../launch.js';
import { acceptClient } from './handshake.js';
import { BUFFER_BYTES, cryptoEcho } from './relay.js';

export interface EchoTarget {
  port: number;
  close(): Promise<void>;
}

export async function startEchoTarget(secrets: readonly Buffer[]): Promise<EchoTarget> {
  const sockets = new Set<Socket>();
  const server = createServer({ noDelay: true, highWaterMark: BUFFER_BYTES }, (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => socket.destroy());
    acceptClient(socket, secrets, (session) => cryptoEcho(socket, session));
  });
  const port = await listenOnPort0(server, '127.0.0.1');
  return {
    port,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}
