/**
 * Several `servers` on the entry (docs/operations.md "Chaining: entry and exit"): with two exits up, streams
 * spread over both tunnels (fewest streams first); when one exit dies its streams end, new streams all go to
 * the other; when it comes back, new streams spread again. Two exits share one static key (the entry pins one).
 */
import { afterEach, describe, expect, it } from 'vitest';
import { ALL_SUITES, RelayConnector, type RelayStream } from '../../../src/upstream/relay/index.js';
import { collect, kernels, META, startExit, waitFor, type Pair } from './helpers.js';

const cleanup: (() => unknown)[] = [];
afterEach(async () => {
  for (const c of cleanup.splice(0).reverse()) await c();
});

/** Streams now open on each exit (the exit side's count). */
const load = (pair: Pair) => pair.exitTunnels.filter((t) => !t.closed).reduce((n, t) => n + t.streamCount, 0);

async function echoes(connector: RelayConnector, n: number): Promise<void> {
  await Promise.all(
    Array.from({ length: n }, async () => {
      const s = await connector.openStream(META);
      const back = collect(s);
      s.end(Buffer.alloc(4096, 3));
      expect((await back).length).toBe(4096);
    }),
  );
}

describe('an entry with two exits', () => {
  it('spreads streams over both, fails over when one dies, and spreads again when it returns', { timeout: 30_000 }, async () => {
    const a = await startExit();
    cleanup.push(() => a.exit.close());
    const b = await startExit({ exitKey: a.exitKey, entryKey: a.entryKey });
    cleanup.push(() => b.exit.close());
    const connector = new RelayConnector({
      servers: [{ host: '127.0.0.1', port: a.exit.port }, { host: '127.0.0.1', port: b.exit.port }],
      transport: 'tcp',
      kernels: await kernels(),
      staticKey: a.entryKey,
      exitPublicKey: a.exitKey.publicKey,
      suites: ALL_SUITES,
      initialBackoffMs: 20,
      maxBackoffMs: 100,
    });
    cleanup.push(() => connector.close());
    connector.start();
    await waitFor(() => connector.tunnels().length === 2);

    // 40 streams held open: 20 on each exit
    const held: RelayStream[] = [];
    for (let i = 0; i < 40; i++) held.push(await connector.openStream(META));
    await waitFor(() => load(a) + load(b) === 40);
    expect([load(a), load(b)]).toEqual([20, 20]);

    // exit A dies: its streams end on the entry, new streams all reach B
    const portA = a.exit.port;
    let closedOnEntry = 0;
    for (const s of held) {
      s.on('error', () => {});
      s.once('close', () => closedOnEntry++);
    }
    await a.exit.close();
    await waitFor(() => connector.tunnels().length === 1);
    await waitFor(() => closedOnEntry === 20); // exactly A's streams ended; B's stay open
    await new Promise((r) => setTimeout(r, 100));
    expect(closedOnEntry).toBe(20);
    expect(load(b)).toBe(20);
    await echoes(connector, 20);
    expect(b.exitTunnels.filter((t) => !t.closed)).toHaveLength(1);

    // A returns on its port: the connector reconnects it and new streams spread again
    const back = await startExit({ port: portA, exitKey: a.exitKey, entryKey: a.entryKey });
    cleanup.push(() => back.exit.close());
    await waitFor(() => connector.tunnels().length === 2, 10_000);
    const more: RelayStream[] = [];
    for (let i = 0; i < 20; i++) more.push(await connector.openStream(META));
    await waitFor(() => load(back) > 0 && load(back) + load(b) >= 40);
    expect(load(back)).toBeGreaterThanOrEqual(10); // B still holds its 20; the new ones go to the emptier tunnel first
    for (const s of [...held, ...more]) s.destroy();
  });
});
