/**
 * /metrics over a group: two real forked workers, each with its own registry, scraped by the primary's
 * ClusterMetrics and served summed over HTTP on 127.0.0.1; a worker that does not answer is left out of the
 * scrape in bounded time, and a killed worker leaves the group.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { createServer } from 'node:http';
import { Counter, Registry } from 'prom-client';
import { ClusterMetrics } from '../../src/cluster/metrics.js';
import { ipcChannelOf } from '../../src/state/ipc-channel.js';
import { closeServer, listenOnFreePort } from '../helpers/net.js';
import { fixture, forkReady, killForked } from './helpers.js';

const startWorker = (env: Record<string, string>) => forkReady(fixture('metrics-worker.ts'), env);
afterEach(killForked);

describe('ClusterMetrics', () => {
  it('serves the sum of every worker\'s registry (and the primary\'s) on /metrics', async () => {
    const [a, b] = await Promise.all([startWorker({ COUNT: '3' }), startWorker({ COUNT: '5' })]);
    const primary = new Registry();
    new Counter({ name: 'mtshield_test_handshakes_total', help: 'test', labelNames: ['result'], registers: [primary] }).labels('ok').inc(100);
    const metrics = new ClusterMetrics({ primary });
    metrics.attach(ipcChannelOf(a!));
    metrics.attach(ipcChannelOf(b!));
    const server = createServer((req, res) => {
      if (req.url !== '/metrics') return void res.writeHead(404).end();
      void metrics.scrape().then((scrape) => res.writeHead(200, { 'content-type': metrics.contentType }).end(scrape.text));
    });
    const port = await listenOnFreePort(server);
    try {
      const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
      expect(text).toMatch(/^mtshield_test_handshakes_total\{result="ok"\} 108$/m);
      expect(text).toMatch(/^mtshield_test_handshakes_total\{result="fail"\} 4$/m);
      expect(text).toMatch(/^mtshield_test_connections_active 8$/m);
    } finally {
      await closeServer(server);
    }
  });

  it('a worker that does not answer is left out after the deadline; a killed one leaves the group', async () => {
    const [answering, silent] = await Promise.all([startWorker({ COUNT: '2' }), startWorker({ COUNT: '7', SILENT: '1' })]);
    const metrics = new ClusterMetrics({ timeoutMs: 300 });
    metrics.attach(ipcChannelOf(answering!));
    metrics.attach(ipcChannelOf(silent!));
    const started = Date.now();
    const scrape = await metrics.scrape();
    expect(Date.now() - started).toBeLessThan(2000);
    expect(scrape).toMatchObject({ asked: 2, answered: 1 });
    expect(scrape.text).toMatch(/^mtshield_test_handshakes_total\{result="ok"\} 2$/m);
    const gone = new Promise((r) => silent!.once('exit', r));
    silent!.kill('SIGKILL');
    await gone;
    expect(await metrics.scrape()).toMatchObject({ asked: 1, answered: 1 });
  });
});
