/**
 * The worker supervisor driven with real short-lived child processes (a tiny worker script, no proxy):
 * N workers ready; a SIGKILLed worker is restarted with backoff and the other keeps running; a worker that
 * cannot start is reported after K tries, not restarted in a loop; a config reaches every worker; drain lets
 * workers leave on their own and kills the ones past the deadline; SIGHUP validates once and broadcasts.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { availableParallelism } from 'node:os';
import { Supervisor, workerCount, type SupervisorEvent, type WorkerProcess } from '../../src/cluster/supervisor.js';
import { workerProcessOf } from '../../src/cluster/fork.js';
import { fixture, forkTsWorker, killForked } from './helpers.js';

const WORKER = fixture('lifecycle-worker.ts');
const spawned: WorkerProcess[] = [];

afterEach(() => {
  spawned.length = 0;
  killForked();
});

function forker(modes: (slot: number, attempt: number) => string): { fork: (slot: number) => WorkerProcess; forks: number[] } {
  const forks: number[] = [];
  return {
    forks,
    fork: (slot) => {
      forks.push(slot);
      const attempt = forks.filter((s) => s === slot).length;
      const worker = workerProcessOf(forkTsWorker(WORKER, { WORKER_MODE: modes(slot, attempt) }));
      spawned.push(worker);
      return worker;
    },
  };
}

function until(events: SupervisorEvent[], predicate: (e: SupervisorEvent) => boolean, timeoutMs = 20_000): Promise<SupervisorEvent> {
  return new Promise((resolve, reject) => {
    const started = Date.now();
    const poll = (): void => {
      const hit = events.find(predicate);
      if (hit) return resolve(hit);
      if (Date.now() - started > timeoutMs) return reject(new Error('event did not come'));
      setTimeout(poll, 20);
    };
    poll();
  });
}

describe('Supervisor', () => {
  it('"auto" is the machine\'s parallelism; a number is taken as given', () => {
    expect(workerCount('auto')).toBe(availableParallelism());
    expect(workerCount(3)).toBe(3);
    expect(workerCount(0)).toBe(1);
  });

  it('starts N workers; a SIGKILLed one is restarted with backoff, the other keeps its pid', async () => {
    const events: SupervisorEvent[] = [];
    const { fork: forkFn, forks } = forker(() => 'ok');
    const supervisor = new Supervisor({ workers: 2, fork: forkFn, initialBackoffMs: 150, onEvent: (e) => events.push(e) });
    await supervisor.start();
    expect(supervisor.readyCount).toBe(2);
    const [first, second] = spawned;
    first!.kill('SIGKILL');
    const exited = await until(events, (e) => e.type === 'exited');
    expect(exited).toMatchObject({ slot: 0, signal: 'SIGKILL', wasReady: true });
    expect(await until(events, (e) => e.type === 'restarting')).toMatchObject({ slot: 0, delayMs: 150 });
    await until(events, (e) => e.type === 'ready' && e.slot === 0 && e.pid !== first!.pid);
    expect(forks).toEqual([0, 1, 0]);
    expect(events.filter((e) => e.type === 'exited' && e.slot === 1)).toEqual([]);
    expect(second!.pid).toBe(spawned[1]!.pid);
    expect(await supervisor.drain(5000)).toEqual({ drained: 2, killed: 0 });
  });

  it('a worker that exits before ready is reported after K tries, and not restarted again', async () => {
    const events: SupervisorEvent[] = [];
    const { fork: forkFn, forks } = forker((slot) => (slot === 1 ? 'fail-start' : 'ok'));
    const supervisor = new Supervisor({ workers: 2, fork: forkFn, maxFailedStarts: 3, initialBackoffMs: 10, onEvent: (e) => events.push(e) });
    await supervisor.start();
    expect(supervisor.failedSlots).toEqual([1]);
    expect(supervisor.readyCount).toBe(1);
    expect(events.filter((e) => e.type === 'gave-up')).toEqual([{ type: 'gave-up', slot: 1, failedStarts: 3 }]);
    await new Promise((r) => setTimeout(r, 300));
    expect(forks.filter((s) => s === 1)).toHaveLength(3);
    await supervisor.drain(5000);
  });

  it('broadcasts a config to every worker and reports each one applying it (or not)', async () => {
    const events: SupervisorEvent[] = [];
    const supervisor = new Supervisor({ workers: 2, fork: forker(() => 'ok').fork, onEvent: (e) => events.push(e) });
    await supervisor.start();
    const generation = supervisor.broadcastConfig({ users: ['alice'] });
    await until(events, () => events.filter((e) => e.type === 'config-applied' && e.generation === generation).length === 2);
    const bad = supervisor.broadcastConfig({ bad: true });
    await until(events, () => events.filter((e) => e.type === 'config-applied' && e.generation === bad).length === 2);
    expect(events.filter((e) => e.type === 'config-applied' && e.generation === bad).map((e) => (e as { error?: string }).error)).toEqual(['ERR_TEST_BAD_CONFIG', 'ERR_TEST_BAD_CONFIG']);
    await supervisor.drain(5000);
  });

  it('drain waits for workers that leave and kills the one past the deadline; nothing restarts', async () => {
    const events: SupervisorEvent[] = [];
    const { fork: forkFn, forks } = forker((slot) => (slot === 0 ? 'hang-drain' : 'ok'));
    const supervisor = new Supervisor({ workers: 2, fork: forkFn, initialBackoffMs: 10, onEvent: (e) => events.push(e) });
    await supervisor.start();
    const started = Date.now();
    expect(await supervisor.drain(700)).toEqual({ drained: 1, killed: 1 });
    expect(Date.now() - started).toBeGreaterThanOrEqual(650);
    await new Promise((r) => setTimeout(r, 100));
    expect(forks).toHaveLength(2);
    expect(events.filter((e) => e.type === 'restarting')).toEqual([]);
  });

  it('SIGHUP validates once and broadcasts; a config that fails validation is reported and not sent', async () => {
    const events: SupervisorEvent[] = [];
    const supervisor = new Supervisor({ workers: 2, fork: forker(() => 'ok').fork, onEvent: (e) => events.push(e) });
    await supervisor.start();
    let loads = 0;
    const errors: unknown[] = [];
    let valid = true;
    const remove = supervisor.handleSignals({
      reload: async () => {
        loads++;
        if (!valid) throw Object.assign(new Error('invalid'), { code: 'ERR_CONFIG_INVALID' });
        return { ok: true };
      },
      onReloadError: (e) => errors.push(e),
      drainDeadlineMs: 2000,
      onDrained: () => {},
    });
    try {
      process.emit('SIGHUP');
      await until(events, () => events.filter((e) => e.type === 'config-applied').length === 2);
      expect(loads).toBe(1);
      valid = false;
      process.emit('SIGHUP');
      await new Promise((r) => setTimeout(r, 200));
      expect(errors).toHaveLength(1);
      expect(events.filter((e) => e.type === 'config-applied')).toHaveLength(2);
    } finally {
      remove();
    }
    await supervisor.drain(5000);
  });
});
