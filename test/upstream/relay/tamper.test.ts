/**
 * Records refused on the exit when a man in the middle (a TCP forwarder on 127.0.0.1 that parses the entry's
 * records) flips a bit, replays a record, swaps two records or cuts the connection inside one: each ends the
 * tunnel with its own onFailure reason, and the entry's tunnel closes.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { connect, META, startExit, waitFor, type Pair } from './helpers.js';
import { tamperer } from './tamperer.js';

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
