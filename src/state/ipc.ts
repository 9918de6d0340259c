/**
 * IpcStateStore: the StateStore of a node:cluster worker. Every operation goes to the primary over the IPC
 * channel, where one MemoryStateStore (or the Redis store) holds the group's state, so `setIfAbsent` is atomic
 * across workers (one replay window for the group) and blocks, limits and counts are shared. Requests are
 * correlated by id; each has a deadline; a closed channel fails everything pending. Errors are StateIpcError.
 * Per-byte counters must not come here per chunk: wrap this store in a BatchedCounter (batched-counter.ts).
 * `leases()` is this worker's view of the group's user leases the primary holds (user-leases.ts).
 */
import type { StateStore } from './store.js';
import { StateIpcError } from './errors.js';
import { ipcChannelOf, isTagged, type IpcChannel } from './ipc-channel.js';
import { STATE_TAG, type StateOp, type StateReply, type StateRequest } from './ipc-protocol.js';
import { GrantedLeases, type LeaseLimits, type LeaseRefusal, type UserLeases } from './user-leases.js';

interface Pending {
  resolve(value: unknown): void;
  reject(error: Error): void;
  timer: NodeJS.Timeout;
}

export interface IpcStateStoreOptions {
  /** Deadline per request (default 2000 ms): a primary that stops answering fails the call, not the worker. */
  timeoutMs?: number;
}

export class IpcStateStore implements StateStore {
  readonly kind = 'ipc' as const;
  private readonly pending = new Map<number, Pending>();
  private readonly timeoutMs: number;
  private nextId = 1;
  private closed = false;
  private readonly onMessage = (message: unknown): void => this.answer(message);
  private readonly onGone = (): void => this.failAll('the IPC channel to the primary closed');

  constructor(
    private readonly channel: IpcChannel = ipcChannelOf(),
    options: IpcStateStoreOptions = {},
  ) {
    this.timeoutMs = options.timeoutMs ?? 2000;
    channel.on('message', this.onMessage);
    channel.once('disconnect', this.onGone);
  }

  private call<T>(op: StateOp, args: unknown[]): Promise<T> {
    if (this.closed) return Promise.reject(new StateIpcError('ERR_STATE_IPC_CLOSED', 'the state store is closed'));
    const id = this.nextId++;
    return new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(new StateIpcError('ERR_STATE_IPC_TIMEOUT', `the primary did not answer "${op}" within ${this.timeoutMs} ms`));
      }, this.timeoutMs);
      timer.unref();
      this.pending.set(id, { resolve: resolve as (value: unknown) => void, reject, timer });
      const request: StateRequest = { mtshield: STATE_TAG, id, op, args };
      this.channel.send(request, (error) => {
        if (error) this.settle(id, undefined, new StateIpcError('ERR_STATE_IPC_CLOSED', `cannot reach the primary: ${error.message}`));
      });
    });
  }

  private answer(message: unknown): void {
    if (!isTagged<StateReply>(message, STATE_TAG) || typeof message.id !== 'number') return;
    if (message.ok) this.settle(message.id, message.value);
    else this.settle(message.id, undefined, new StateIpcError('ERR_STATE_IPC_REMOTE', String(message.error).slice(0, 200)));
  }

  private settle(id: number, value: unknown, error?: Error): void {
    const pending = this.pending.get(id);
    if (!pending) return;
    this.pending.delete(id);
    clearTimeout(pending.timer);
    if (error) pending.reject(error);
    else pending.resolve(value);
  }

  private failAll(reason: string): void {
    for (const id of [...this.pending.keys()]) this.settle(id, undefined, new StateIpcError('ERR_STATE_IPC_CLOSED', reason));
  }

  /** Requests not yet answered (for tests and health). */
  get inFlight(): number {
    return this.pending.size;
  }

  async get(key: string): Promise<string | undefined> {
    return (await this.call<string | null>('get', [key])) ?? undefined;
  }

  set(key: string, value: string, ttlMs?: number): Promise<void> {
    return this.call('set', [key, value, ttlMs]);
  }

  setIfAbsent(key: string, value: string, ttlMs?: number): Promise<boolean> {
    return this.call('setIfAbsent', [key, value, ttlMs]);
  }

  del(key: string): Promise<void> {
    return this.call('del', [key]);
  }

  incr(key: string, by?: number, ttlMs?: number): Promise<number> {
    return this.call('incr', [key, by, ttlMs]);
  }

  sadd(key: string, member: string, ttlMs?: number): Promise<boolean> {
    return this.call('sadd', [key, member, ttlMs]);
  }

  srem(key: string, member: string): Promise<boolean> {
    return this.call('srem', [key, member]);
  }

  smembers(key: string): Promise<string[]> {
    return this.call('smembers', [key]);
  }

  scard(key: string): Promise<number> {
    return this.call('scard', [key]);
  }

  /**
   * The group's user leases, held by the primary with this worker as their owner (dropped when it exits). A
   * primary that does not answer fails admission open (no lease held, none given back), like every store check.
   */
  leases(): UserLeases {
    const granted = new GrantedLeases();
    return {
      acquire: async (user: string, ip: string, limits: LeaseLimits) => {
        let refusal: LeaseRefusal | null;
        try {
          refusal = await this.call<LeaseRefusal | null>('leaseAcquire', [user, ip, limits]);
        } catch {
          return undefined;
        }
        if (refusal) return refusal;
        granted.add(user, ip, true);
        return undefined;
      },
      release: (user: string, ip: string) => {
        if (granted.take(user, ip)) void this.call('leaseRelease', [user, ip]).catch(() => {});
      },
      close: async () => {},
    };
  }

  /** Stops listening and fails what is pending; the primary's store stays as it is (other workers use it). */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.channel.off('message', this.onMessage);
    this.failAll('the state store is closed');
  }
}
