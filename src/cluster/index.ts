/**
 * node:cluster plumbing for running mtshield on every core (docs/fleet.md): the primary's Supervisor (fork,
 * restart with backoff, config broadcast, drain), each worker's WorkerLink, and /metrics summed over workers.
 * Shared state travels on the same IPC channel through src/state (IpcStateStore, StateIpcServer).
 */
export { Supervisor, workerCount, type SupervisorOptions, type SupervisorEvent, type WorkerProcess, type ForkWorker } from './supervisor.js';
export { clusterFork, workerProcessOf } from './fork.js';
export { WorkerLink, type WorkerLinkHandlers } from './worker-link.js';
export { ClusterMetrics, serveWorkerMetrics, type ClusterScrape } from './metrics.js';
export type { PrimaryMessage, WorkerMessage } from './messages.js';
