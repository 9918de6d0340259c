/**
 * The production fork function on real node:cluster: the Supervisor with clusterFork() starts two cluster
 * workers (the stand-in worker script, set as the cluster's exec), restarts one killed with SIGKILL, and drains
 * both, leaving no cluster worker behind.
 */
import { afterAll, describe, expect, it } from 'vitest';
import cluster from 'node:cluster';
import { Supervisor, type SupervisorEvent } from '../../src/cluster/supervisor.js';
import { clusterFork } from '../../src/cluster/fork.js';
import { fixture } from './helpers.js';

afterAll(() => {
  for (const worker of Object.values(cluster.workers ?? {})) worker?.process.kill('SIGKILL');
});

describe('Supervisor on node:cluster', () => {
  it('forks cluster workers, restarts a killed one, drains both', async () => {
    cluster.setupPrimary({ exec: fixture('lifecycle-worker.ts'), execArgv: ['--import', 'tsx'], silent: false });
    const events: SupervisorEvent[] = [];
    const supervisor = new Supervisor({ workers: 2, fork: clusterFork({ WORKER_MODE: 'ok' }), initialBackoffMs: 50, onEvent: (e) => events.push(e) });
    await supervisor.start();
    expect(supervisor.readyCount).toBe(2);
    expect(Object.keys(cluster.workers ?? {})).toHaveLength(2);
    const first = events.find((e) => e.type === 'ready' && e.slot === 0) as { pid: number };
    process.kill(first.pid, 'SIGKILL');
    for (let i = 0; i < 200 && !events.some((e) => e.type === 'ready' && e.slot === 0 && e.pid !== first.pid); i++) await new Promise((r) => setTimeout(r, 50));
    expect(events.filter((e) => e.type === 'ready' && e.slot === 0)).toHaveLength(2);
    expect(events.some((e) => e.type === 'exited' && e.slot === 1)).toBe(false);
    expect(await supervisor.drain(5000)).toEqual({ drained: 2, killed: 0 });
    expect(Object.keys(cluster.workers ?? {})).toHaveLength(0);
  });
});
