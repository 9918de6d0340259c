/**
 * A stand-in for the fronting web site: a TCP server that records every byte each connection sent (and
 * whether it half-closed), and answers the first bytes with a fixed banner, so tests can check that a
 * failed client was spliced byte-exact and that the site's answer reached it.
 */
import { createServer, type Socket } from 'node:net';
import { closeServer, listenOnFreePort } from './net.js';

export const SITE_BANNER = Buffer.from('HTTP/1.1 400 Bad Request\r\nServer: test-site\r\nContent-Length: 0\r\n\r\n');

export interface SiteConnection {
  received: Buffer;
  ended: boolean;
}

export interface FrontingSite {
  port: number;
  connections: SiteConnection[];
  /** Resolves once a connection has received exactly `bytes` (and nothing else so far). */
  waitForExactly(bytes: Uint8Array, timeoutMs?: number): Promise<SiteConnection>;
  close(): Promise<void>;
}

export async function startFrontingSite(): Promise<FrontingSite> {
  const connections: SiteConnection[] = [];
  const sockets = new Set<Socket>();
  const waiters = new Set<() => void>();
  const server = createServer({ allowHalfOpen: true }, (socket) => {
    const record: SiteConnection = { received: Buffer.alloc(0), ended: false };
    connections.push(record);
    sockets.add(socket);
    socket.on('error', () => {});
    socket.on('close', () => sockets.delete(socket));
    socket.on('data', (chunk: Buffer) => {
      const first = record.received.length === 0;
      record.received = Buffer.concat([record.received, chunk]);
      if (first) socket.write(SITE_BANNER);
      for (const w of waiters) w();
    });
    socket.on('end', () => {
      record.ended = true;
      for (const w of waiters) w();
      socket.end();
    });
  });
  const port = await listenOnFreePort(server);
  return {
    port,
    connections,
    waitForExactly(bytes, timeoutMs = 10_000) {
      const wanted = Buffer.from(bytes);
      return new Promise((resolve, reject) => {
        const check = () => {
          const hit = connections.find((c) => c.received.equals(wanted));
          if (hit) {
            waiters.delete(check);
            clearTimeout(timer);
            resolve(hit);
          }
        };
        const timer = setTimeout(() => {
          waiters.delete(check);
          const got = connections.map((c) => c.received.length).join(', ');
          reject(new Error(`fronting site did not receive the ${wanted.length} bytes sent (connections got: ${got})`));
        }, timeoutMs);
        waiters.add(check);
        check();
      });
    },
    async close() {
      for (const s of sockets) s.destroy();
      await closeServer(server);
    },
  };
}
