/**
 * Records refused on the exit when a man in the middle (a TCP forwarder on 127.0.0.1 that parses the entry's
 * records) flips a bit, replays a record, swaps two records or cuts the connection inside one: each ends the
 * tunnel with its own onFailure reason, and the entry's tunnel closes.
 */
import { createServer, connect as tcpConnect, type Server } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { connect, META, startExit, waitFor, type Pair } from './helpers.js';

type Mode = 'flip' | 'replay' | 'reorder' | 'truncate';
const TARGET = 3; // the record index (entry → exit) to tamper with: OPEN is 0, then DATA records

/** Forwards entry → exit record by record, tampering with record TARGET; exit → entry as is. */
function tamperer(exitPort: number, mode: Mode): Promise<{ server: Server; port: number }> {
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

const cleanup: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanup.splice(0)) await c();
});

describe.each([
  ['flip', 'record-auth'],
  ['replay', 'record-replay'],
  ['reorder', 'record-reorder'],
  ['truncate', 'record-truncated'],
] as const)('a %s record', (mode, reason) => {
  it(`is refused with ${reason} and the tunnel closes`, async () => {
    const pair: Pair = await startExit();
    const mitm = await tamperer(pair.exit.port, mode);
    cleanup.push(() => pair.exit.close(), () => void mitm.server.close());
    const tunnel = await connect(pair, { port: mitm.port });
    const closed = new Promise((r) => tunnel.once('close', r));
    const stream = tunnel.openStream(META);
    stream.on('error', () => {});
    for (let i = 0; i < 6; i++) stream.write(Buffer.alloc(100 + i, i));
    await waitFor(() => pair.exitFailures.length > 0);
    expect(pair.exitFailures.map((e) => [e.code, e.reason])).toEqual([['ERR_RELAY_RECORD', reason]]);
    await closed;
    expect(tunnel.closed).toBe(true);
    expect(pair.exit.tunnels.size).toBe(0);
  });
});
