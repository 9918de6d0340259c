/**
 * Fork functions for the supervisor: `clusterFork` (production: node:cluster, so workers share the listening
 * socket) and `workerProcessOf` (wraps a ChildProcess or a cluster Worker as a WorkerProcess; tests use it with
 * child_process.fork).
 */
import cluster from 'node:cluster';
import type { ChildProcess } from 'node:child_process';
import { ipcChannelOf } from '../state/ipc-channel.js';
import type { ForkWorker, WorkerProcess } from './supervisor.js';

type Forked = ChildProcess | import('node:cluster').Worker;

export function workerProcessOf(forked: Forked): WorkerProcess {
  const channel = ipcChannelOf(forked as unknown as Parameters<typeof ipcChannelOf>[0]);
  const child: ChildProcess = 'process' in forked ? forked.process : forked;
  return {
    ...channel,
    pid: child.pid,
    kill: (signal) => {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
    },
    onExit: (listener) => void child.once('exit', listener),
  };
}

/** The production fork: one node:cluster worker per slot, told its slot through the environment. */
export function clusterFork(env: NodeJS.ProcessEnv = {}): ForkWorker {
  return (slot) => workerProcessOf(cluster.fork({ ...env, MTSHIELD_WORKER_SLOT: String(slot) }));
}
