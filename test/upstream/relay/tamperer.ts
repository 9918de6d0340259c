/**
 * A man in the middle for relay tests: a TCP forwarder on 127.0.0.1 that parses the entry's records (after the
 * 2-byte-length handshake message, each record is a 3-byte length, an 8-byte sequence number and the sealed body) and
 * flips a bit in, replays, swaps or truncates record TARGET; the exit's answers pass as they are.
 */
import { createServer, connect as tcpConnect, type Server } from 'node:net';

export type TamperMode = 'flip' | 'replay' | 'reorder' | 'truncate';
export const TARGET = 3; // the record index (entry → exit) to tamper with: OPEN is 0, then DATA records

/** Forwards entry → exit record by record, tampering with record TARGET; exit → entry as is. */
export function tamperer(exitPort: number, mode: TamperMode): Promise<{ server: Server; port: number }> {
  const server = createServer((client) => {
    const up = tcpConnect(exitPort, '127.0.0.1');
    let buf = Buffer.alloc(0);
    let handshakeDone = false;
    let index = 0;
    let held: Buffer | undefined;
    client.on('data', (d) => {
      buf = Buffer.concat([buf, d]);
      for (;;) {
        if (!handshakeDone) {
          if (buf.length < 2 || buf.length < 2 + buf.readUInt16BE(0)) return;
          const n = 2 + buf.readUInt16BE(0);
          up.write(buf.subarray(0, n));
          buf = buf.subarray(n);
          handshakeDone = true;
          continue;
        }
        if (buf.length < 11) return;
        const n = 11 + buf.readUIntBE(0, 3);
        if (buf.length < n) return;
        const record = Buffer.from(buf.subarray(0, n));
        buf = buf.subarray(n);
        const i = index++;
        if (i !== TARGET && i !== TARGET + 1) {
          up.write(record);
          continue;
        }
        if (mode === 'flip' && i === TARGET) record[20]! ^= 0x04;
        if (mode === 'replay' && i === TARGET) up.write(record);
        if (mode === 'truncate' && i === TARGET) {
          up.end(record.subarray(0, n - 7));
          return;
        }
        if (mode === 'reorder' && i === TARGET) {
          held = record;
          continue;
        }
        up.write(record);
        if (held) {
          up.write(held);
          held = undefined;
        }
      }
    });
    up.on('data', (d) => client.write(d));
    client.on('close', () => up.destroy());
    up.on('close', () => client.destroy());
    client.on('error', () => {});
    up.on('error', () => {});
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve({ server, port: (server.address() as { port: number }).port })));
}

