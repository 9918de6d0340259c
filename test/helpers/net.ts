/** Small socket helpers for tests: listen on port 0, connect, read with a bound, wait for close. */
import { connect, createServer, type Server, type Socket } from 'node:net';

export async function listenOnFreePort(server: Server, host = '127.0.0.1'): Promise<number> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, host, () => {
      server.removeListener('error', reject);
      resolve();
    });
  });
  return (server.address() as { port: number }).port;
}

/** A port that was free a moment ago (for configs that need a number before the server exists). */
export async function freePort(host = '127.0.0.1'): Promise<number> {
  const server = createServer();
  const port = await listenOnFreePort(server, host);
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

export function closeServer(server: Server): Promise<void> {
  return new Promise((resolve) => server.close(() => resolve()));
}

export function connectTo(port: number, host = '127.0.0.1', localAddress?: string): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host, port, allowHalfOpen: true, noDelay: true, localAddress });
    socket.once('connect', () => {
      socket.removeListener('error', reject);
      resolve(socket);
    });
    socket.once('error', reject);
  });
}

/** Collects everything a socket receives until the peer ends or it closes (or `timeoutMs` passes). */
export function readUntilClose(socket: Socket, timeoutMs = 10_000): Promise<{ data: Buffer; closed: boolean }> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    const done = (closed: boolean) => {
      clearTimeout(timer);
      resolve({ data: Buffer.concat(chunks), closed });
    };
    const timer = setTimeout(() => done(false), timeoutMs);
    socket.on('data', (c: Buffer) => chunks.push(c));
    socket.on('error', () => {});
    socket.once('end', () => done(true));
    socket.once('close', () => done(true));
  });
}

/** Reads until at least `n` bytes arrived; rejects on close or timeout. */
export function readAtLeast(socket: Socket, n: number, timeoutMs = 10_000): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let total = 0;
    const cleanup = () => {
      clearTimeout(timer);
      socket.removeListener('data', onData);
      socket.removeListener('close', onClose);
    };
    const onData = (c: Buffer) => {
      chunks.push(c);
      total += c.length;
      if (total >= n) {
        cleanup();
        socket.pause();
        const all = Buffer.concat(chunks);
        if (all.length > n) socket.unshift(all.subarray(n));
        resolve(all.subarray(0, n));
      }
    };
    const onClose = () => {
      cleanup();
      reject(new Error(`socket closed after ${total} of ${n} bytes`));
    };
    const timer = setTimeout(() => {
      cleanup();
      reject(new Error(`timed out after ${total} of ${n} bytes`));
    }, timeoutMs);
    socket.on('data', onData);
    socket.once('close', onClose);
    socket.resume();
  });
}

/**
 * True once the peer has closed its side (FIN seen) or the socket closed, false after `timeoutMs`. The test
 * clients allow half-open sockets, so a proxy-side close shows as 'end' rather than 'close'.
 */
export function waitForPeerClose(socket: Socket, timeoutMs = 10_000): Promise<boolean> {
  if (socket.readableEnded || socket.destroyed) return Promise.resolve(true);
  return new Promise((resolve) => {
    const done = (closed: boolean) => {
      clearTimeout(timer);
      socket.removeListener('end', onEnd);
      socket.removeListener('close', onEnd);
      resolve(closed);
    };
    const onEnd = () => done(true);
    const timer = setTimeout(() => done(false), timeoutMs);
    socket.once('end', onEnd);
    socket.once('close', onEnd);
  });
}
