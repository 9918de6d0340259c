/**
 * The site the benchmark's proxies front to: a TCP server on 127.0.0.1 that reads what a proxy forwards
 * for a client that failed the handshake and closes, so a junk hello ends without touching any real host
 * and the client sees its connection closed once the proxy has dealt with it.
 */
import { createServer, type Socket } from 'node:net';
import { listenOnPort0 } from './launch.js';

export interface FrontSink {
  port: number;
  /** Connections the proxies opened to it. */
  accepted(): number;
  close(): Promise<void>;
}

export async function startFrontSink(host = '127.0.0.1'): Promise<FrontSink> {
  const sockets = new Set<Socket>();
  let accepted = 0;
  const server = createServer((socket) => {
    accepted++;
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => socket.destroy());
    // The first bytes are the forwarded hello: the front has seen it, the exchange is over.
    socket.once('data', () => socket.destroy());
  });
  const port = await listenOnPort0(server, host);
  return {
    port,
    accepted: () => accepted,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}
