/**
 * Borrowed reads on accepted sockets (src/proxy/borrowed-reads.ts borrowReadsFrom): a socket switched in mid-stream
 * delivers every byte once and in order (what it had already buffered as 'data' first, then views of the shared
 * buffer), pause() stops its reads, 'end' still comes, and sockets that cannot be switched say so. Dialled sockets
 * (borrowedReadOption) keep bytes read before their handler exists and hand them over first.
 */
import { createHash, randomBytes } from 'node:crypto';
import { connect, createServer, Socket, type NetConnectOpts, type Server } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { BORROWED_READ_BYTES, borrowedReadOption, borrowReadsFrom, onBorrowedData } from '../../src/proxy/borrowed-reads.js';
import { closeServer, connectTo, listenOnFreePort } from '../helpers/net.js';

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function acceptOne(): Promise<{ server: Server; client: Socket; accepted: Promise<Socket> }> {
  let resolve!: (s: Socket) => void;
  const accepted = new Promise<Socket>((r) => (resolve = r));
  const server = createServer((s) => resolve(s));
  const port = await listenOnFreePort(server);
  const client = await connectTo(port);
  cleanups.push(async () => {
    client.destroy();
    (await accepted).destroy();
    await closeServer(server);
  });
  return { server, client, accepted };
}

describe('borrowReadsFrom', () => {
  it('switches an accepted socket in mid-stream: every byte once, in order, the rest as views of one shared buffer', { timeout: 30_000 }, async () => {
    const { client, accepted } = await acceptOne();
    const socket = await accepted;
    const total = 24 * 1024 * 1024;
    const data = randomBytes(total);
    const hash = createHash('sha256');
    let got = 0;
    let viaData = 0;
    const buffers = new Set<ArrayBufferLike>();
    let borrowedReads = 0;
    let largest = 0;
    const ended = new Promise<void>((resolve) => socket.on('end', () => resolve()));
    socket.on('data', (chunk: Buffer) => {
      viaData++;
      got += chunk.length;
      hash.update(chunk);
      if (viaData !== 2) return;
      // Switch while paused, with bytes possibly buffered in the stream: they must still come first.
      socket.pause();
      setTimeout(() => {
        expect(
          borrowReadsFrom(socket, function (this: Socket, n, buffer) {
            expect(this).toBe(socket);
            borrowedReads++;
            largest = Math.max(largest, n);
            buffers.add(buffer.buffer);
            got += n;
            hash.update(buffer.subarray(0, n));
            // Stop reading now and then: pause() must stop the reads, resume() restart them.
            if (borrowedReads % 20 === 0) {
              this.pause();
              setTimeout(() => this.resume(), 5);
            }
          }),
        ).toBe(true);
        socket.resume();
      }, 50);
    });
    let at = 0;
    const pump = () => {
      while (at < total) {
        const n = Math.min(100_000, total - at);
        const ok = client.write(data.subarray(at, at + n));
        at += n;
        if (!ok) return void client.once('drain', pump);
      }
      client.end();
    };
    pump();
    await ended;
    expect(got).toBe(total);
    expect(hash.digest('hex')).toBe(createHash('sha256').update(data).digest('hex'));
    expect(borrowedReads).toBeGreaterThan(10);
    expect(buffers.size).toBe(1); // one shared buffer, reused for every read
    expect(largest).toBeLessThanOrEqual(BORROWED_READ_BYTES);
  });

  it('refuses a socket without a handle and one that already borrows', async () => {
    const detached = new Socket();
    expect(borrowReadsFrom(detached, () => {})).toBe(false);
    detached.destroy();
    const { accepted } = await acceptOne();
    const socket = await accepted;
    expect(borrowReadsFrom(socket, () => {})).toBe(true);
    expect(borrowReadsFrom(socket, () => {})).toBe(false);
  });
});

describe('dialled sockets (borrowedReadOption, onBorrowedData)', () => {
  it('keep what arrives before a handler and hand it over first, through one callback shared by every dial', async () => {
    let resolve!: (s: Socket) => void;
    const accepted = new Promise<Socket>((r) => (resolve = r));
    const server = createServer((s) => resolve(s));
    const port = await listenOnFreePort(server);
    const dial = () => {
      const option = borrowedReadOption();
      const socket = connect({ host: '127.0.0.1', port, onread: option.onread } as NetConnectOpts);
      option.adopt(socket);
      return socket;
    };
    const socket = dial();
    const other = dial();
    const peer = await accepted;
    cleanups.push(async () => {
      socket.destroy();
      other.destroy();
      peer.destroy();
      await closeServer(server);
    });
    // No closure per dial: both sockets read through the same callback object.
    expect(borrowedReadOption()).toBe(borrowedReadOption());
    const early = new Promise<void>((r) => peer.write('early bytes', () => setTimeout(r, 200)));
    await early;
    const got: string[] = [];
    const more = new Promise<void>((r) => {
      expect(
        onBorrowedData(socket, (from, view) => {
          expect(from).toBe(socket);
          got.push(view.toString());
          if (got.join('') === 'early bytes, then more') r();
        }),
      ).toBe(true);
    });
    expect(got.join('')).toBe('early bytes'); // the copies kept before the handler came, at once
    peer.write(', then more');
    await more;
    expect(onBorrowedData(new Socket(), () => {})).toBe(false); // a socket that reads the ordinary way
  });
});
