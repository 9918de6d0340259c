/**
 * The entry's connector on 127.0.0.1: failover past a dead server, and the exit restarted under load with the
 * entry reconnecting (same port, same key) and new streams succeeding afterwards.
 */
import { createServer } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { ALL_SUITES, RelayConnector } from '../../../src/upstream/relay/index.js';
import { collect, kernels, META, startExit, waitFor, type Pair } from './helpers.js';

/** A port nothing listens on (bound, then released). */
async function deadPort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', () => r()));
  const port = (s.address() as { port: number }).port;
  await new Promise((r) => s.close(r));
  return port;
}

const cleanup: (() => unknown)[] = [];
afterEach(async () => {
  for (const c of cleanup.splice(0)) await c();
});

describe.each(['tcp', 'websocket'] as const)('relay connector over %s', (transport) => {
  it('fails over to the next server and reconnects after the exit restarts under load', { timeout: 60_000 }, async () => {
    let pair: Pair = await startExit({ transport });
    const port = pair.exit.port;
    const dead = await deadPort();
    const connector = new RelayConnector({
      servers: [
        { host: '127.0.0.1', port: dead },
        { host: '127.0.0.1', port },
      ],
      transport,
      path: '/relay',
      kernels: await kernels(),
      staticKey: pair.entryKey,
      exitPublicKey: pair.exitKey.publicKey,
      suites: ALL_SUITES,
      initialBackoffMs: 20,
      maxBackoffMs: 200,
    });
    const ups: number[] = [];
    const retries: number[] = [];
    connector.on('up', (_t, server) => ups.push(server.port));
    connector.on('retry', (server) => retries.push(server.port));
    cleanup.push(() => connector.close());
    connector.start();

    // load: streams echoing 32 KiB each, one after another, counting successes and failures
    let ok = 0;
    let failed = 0;
    let running = true;
    const load = (async () => {
      while (running) {
        try {
          const s = await connector.openStream(META);
          const back = collect(s);
          s.end(Buffer.alloc(32 * 1024, 7));
          if ((await back).length === 32 * 1024) ok++;
        } catch {
          failed++;
          // openStream refuses at once while no tunnel is up: yield to timers, or this loop spins on microtasks
          // and starves everything (the test's own deadlines included)
          await new Promise((resolve) => setTimeout(resolve, 5));
        }
      }
    })();

    await waitFor(() => ok >= 20, 20_000);
    expect(retries).toContain(dead);
    expect(ups[0]).toBe(port);

    // restart the exit on the same port with the same key while the load runs
    await pair.exit.close();
    const before = ok;
    pair = await startExit({ transport, port, exitKey: pair.exitKey, entryKey: pair.entryKey });
    cleanup.push(() => pair.exit.close());
    await waitFor(() => ok >= before + 20, 20_000);
    running = false;
    await load;
    expect(ups.filter((p) => p === port).length).toBeGreaterThanOrEqual(2);
    expect(ok).toBeGreaterThanOrEqual(40);
    expect(pair.exitFailures).toEqual([]);
    void failed; // streams cut by the restart fail; the ones after it must succeed (above)
  });
});
