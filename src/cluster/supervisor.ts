/**
 * The primary's worker supervisor (node:cluster, https://nodejs.org/api/cluster.html): forks N workers ("auto" =
 * os.availableParallelism()), restarts a crashed one with exponential backoff, and reports — instead of
 * restarting in a loop — a slot whose worker exits (or hangs) before it signals ready K times in a row. It
 * broadcasts a config the primary validated once (SIGHUP) and drains on SIGTERM: every worker is told to drain,
 * waited for until a deadline, then killed. The fork function is injected (default: cluster.fork), so tests
 * drive it with short-lived child processes. What each worker is attached to (state server, metrics) is the
 * caller's `onWorker` hook.
 */
import { availableParallelism } from 'node:os';
import { isTagged, type IpcChannel } from '../state/ipc-channel.js';
import { LIFECYCLE_TAG, type PrimaryMessage, type WorkerMessage } from './messages.js';

/** A forked worker: the IPC channel plus the process controls the supervisor needs. */
export interface WorkerProcess extends IpcChannel {
  readonly pid: number | undefined;
  kill(signal?: NodeJS.Signals): void;
  /** Called once when the process has exited. */
  onExit(listener: (code: number | null, signal: string | null) => void): void;
}

export type ForkWorker = (slot: number) => WorkerProcess;

export type SupervisorEvent =
  | { type: 'ready'; slot: number; pid?: number }
  | { type: 'exited'; slot: number; pid?: number; code: number | null; signal: string | null; wasReady: boolean }
  | { type: 'restarting'; slot: number; delayMs: number }
  | { type: 'gave-up'; slot: number; failedStarts: number }
  | { type: 'config-applied'; slot: number; generation: number; error?: string };

export interface SupervisorOptions {
  workers: number | 'auto';
  fork: ForkWorker;
  /** A worker that has not signalled ready by then is killed; it counts as a failed start (default 15 s). */
  readyTimeoutMs?: number;
  /** Consecutive failed starts of a slot before it is reported and left empty (default 5). */
  maxFailedStarts?: number;
  /** First restart delay, doubled per consecutive crash up to `maxBackoffMs` (defaults 100 ms, 30 s). */
  initialBackoffMs?: number;
  maxBackoffMs?: number;
  /** A worker up this long resets its slot's backoff (default 30 s). */
  stableMs?: number;
  onEvent?: (event: SupervisorEvent) => void;
  /** Each new worker, before it is ready (attach the state server and metrics here). */
  onWorker?: (worker: WorkerProcess, slot: number) => void;
}

interface Slot {
  index: number;
  worker?: WorkerProcess;
  ready: boolean;
  readyAt: number;
  failedStarts: number;
  crashes: number;
  gaveUp: boolean;
  timer?: NodeJS.Timeout;
  drained?: () => void;
  exited?: () => void;
}

const ignore = (): void => {};

export function workerCount(workers: number | 'auto'): number {
  return workers === 'auto' ? Math.max(1, availableParallelism()) : Math.max(1, Math.floor(workers));
}

export class Supervisor {
  private readonly slots: Slot[];
  private readonly options: Required<Omit<SupervisorOptions, 'onEvent' | 'onWorker'>> & Pick<SupervisorOptions, 'onEvent' | 'onWorker'>;
  private stopping = false;
  private generation = 0;
  private readyWaiters: (() => void)[] = [];

  constructor(options: SupervisorOptions) {
    this.options = { readyTimeoutMs: 15_000, maxFailedStarts: 5, initialBackoffMs: 100, maxBackoffMs: 30_000, stableMs: 30_000, ...options };
    this.slots = Array.from({ length: workerCount(options.workers) }, (_, index) => ({ index, ready: false, readyAt: 0, failedStarts: 0, crashes: 0, gaveUp: false }));
  }

  get size(): number {
    return this.slots.length;
  }

  /** Workers currently up and ready. */
  get readyCount(): number {
    return this.slots.filter((s) => s.ready).length;
  }

  /** Slots reported as unable to start. */
  get failedSlots(): number[] {
    return this.slots.filter((s) => s.gaveUp).map((s) => s.index);
  }

  /** Forks every slot; resolves when each is ready or given up (check `failedSlots`). */
  start(): Promise<void> {
    for (const slot of this.slots) this.spawn(slot);
    return this.settled();
  }

  private settled(): Promise<void> {
    return new Promise((resolve) => {
      const check = (): void => {
        if (this.slots.every((s) => s.ready || s.gaveUp)) resolve();
        else this.readyWaiters.push(check);
      };
      check();
    });
  }

  private notify(): void {
    const waiters = this.readyWaiters;
    this.readyWaiters = [];
    for (const waiter of waiters) waiter();
  }

  private spawn(slot: Slot): void {
    slot.timer = undefined;
    if (this.stopping) return;
    const worker = this.options.fork(slot.index);
    slot.worker = worker;
    slot.ready = false;
    const readyTimer = setTimeout(() => worker.kill('SIGKILL'), this.options.readyTimeoutMs);
    readyTimer.unref();
    worker.on('message', (message) => {
      if (!isTagged<WorkerMessage>(message, LIFECYCLE_TAG)) return;
      if (message.type === 'ready' && !slot.ready) {
        clearTimeout(readyTimer);
        slot.ready = true;
        slot.readyAt = Date.now();
        slot.failedStarts = 0;
        this.options.onEvent?.({ type: 'ready', slot: slot.index, pid: worker.pid });
        this.notify();
      } else if (message.type === 'config-applied') {
        this.options.onEvent?.({ type: 'config-applied', slot: slot.index, generation: message.generation, error: message.error });
      } else if (message.type === 'drained') {
        slot.drained?.();
      }
    });
    worker.onExit((code, signal) => {
      clearTimeout(readyTimer);
      this.onExit(slot, worker, code, signal);
    });
    this.options.onWorker?.(worker, slot.index);
  }

  private onExit(slot: Slot, worker: WorkerProcess, code: number | null, signal: string | null): void {
    if (slot.worker !== worker) return;
    const wasReady = slot.ready;
    slot.ready = false;
    slot.worker = undefined;
    slot.exited?.();
    this.options.onEvent?.({ type: 'exited', slot: slot.index, pid: worker.pid, code, signal, wasReady });
    if (this.stopping) return;
    if (!wasReady && ++slot.failedStarts >= this.options.maxFailedStarts) {
      slot.gaveUp = true;
      this.options.onEvent?.({ type: 'gave-up', slot: slot.index, failedStarts: slot.failedStarts });
      this.notify();
      return;
    }
    if (wasReady && Date.now() - slot.readyAt >= this.options.stableMs) slot.crashes = 0;
    const delayMs = Math.min(this.options.initialBackoffMs * 2 ** slot.crashes, this.options.maxBackoffMs);
    slot.crashes++;
    this.options.onEvent?.({ type: 'restarting', slot: slot.index, delayMs });
    slot.timer = setTimeout(() => this.spawn(slot), delayMs);
  }

  /** Sends a config (validated by the caller, once) to every worker; returns its generation number. */
  broadcastConfig(config: unknown): number {
    const message: PrimaryMessage = { mtshield: LIFECYCLE_TAG, type: 'config', generation: ++this.generation, config };
    for (const slot of this.slots) slot.worker?.send(message, ignore);
    return this.generation;
  }

  /**
   * Tells every worker to drain, waits until each reported drained and exited or `deadlineMs` passed, then kills
   * the rest. No restarts afterwards. Resolves with how many left on their own and how many were killed.
   */
  async drain(deadlineMs: number): Promise<{ drained: number; killed: number }> {
    this.stopping = true;
    for (const slot of this.slots) clearTimeout(slot.timer);
    const live = this.slots.filter((s) => s.worker);
    let drained = 0;
    const gone = live.map(
      (slot) =>
        new Promise<void>((resolve) => {
          let reported = false;
          slot.drained = () => (reported = true);
          slot.exited = () => {
            if (reported) drained++;
            resolve();
          };
          slot.worker!.send({ mtshield: LIFECYCLE_TAG, type: 'drain', deadlineMs } satisfies PrimaryMessage, ignore);
        }),
    );
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<'deadline'>((resolve) => (timer = setTimeout(() => resolve('deadline'), deadlineMs)));
    await Promise.race([Promise.all(gone), deadline]);
    clearTimeout(timer);
    let killed = 0;
    for (const slot of live) {
      if (slot.worker) {
        killed++;
        slot.worker.kill('SIGKILL');
      }
    }
    await Promise.all(gone);
    return { drained, killed };
  }

  /**
   * SIGHUP: `reload()` loads and validates the config once; a valid one is broadcast, an invalid one reported
   * through `onReloadError` and not sent. SIGTERM/SIGINT: drain with the deadline, then `onDrained`.
   * Returns a function that removes the handlers.
   */
  handleSignals(hooks: { reload: () => Promise<unknown>; onReloadError: (error: unknown) => void; drainDeadlineMs: number; onDrained: (result: { drained: number; killed: number }) => void }): () => void {
    const onHup = (): void => {
      hooks.reload().then((config) => this.broadcastConfig(config), hooks.onReloadError);
    };
    const onTerm = (): void => {
      void this.drain(hooks.drainDeadlineMs).then(hooks.onDrained);
    };
    process.on('SIGHUP', onHup);
    process.on('SIGTERM', onTerm);
    process.on('SIGINT', onTerm);
    return () => {
      process.off('SIGHUP', onHup);
      process.off('SIGTERM', onTerm);
      process.off('SIGINT', onTerm);
    };
  }
}
