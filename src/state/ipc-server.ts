/**
 * The primary's side of the worker state protocol (ipc-protocol.ts): answers each worker's requests from one
 * StateStore, the MemoryStateStore that holds the group's state when there is no Redis. Requests are checked
 * before they reach the store; a bad one gets an error answer, never a crash. A worker that exits is forgotten;
 * an answer to a worker that just died is dropped. With a LeaseTable (user-leases.ts) it also holds the group's
 * user leases, each worker as one owner: a worker that exits has its leases dropped with it.
 */
import type { StateStore } from './store.js';
import { isTagged, type IpcChannel } from './ipc-channel.js';
import { isLeaseOp, isValidStateRequest, STATE_TAG, type StateReply, type StateRequest } from './ipc-protocol.js';
import type { LeaseLimits, LeaseTable } from './user-leases.js';

const ignoreSendError = (): void => {};

export class StateIpcServer {
  private readonly detachers = new Set<() => void>();
  private nextOwner = 1;

  constructor(
    private readonly store: StateStore,
    private readonly leases?: LeaseTable,
  ) {}

  /** Serves one worker until it exits or `close()`. Returns a function that stops serving it. */
  attach(worker: IpcChannel): () => void {
    const owner = String(this.nextOwner++);
    const onMessage = (message: unknown): void => {
      if (isTagged<StateRequest>(message, STATE_TAG)) void this.serve(worker, owner, message);
    };
    const detach = (): void => {
      worker.off('message', onMessage);
      this.leases?.dropOwner(owner);
      this.detachers.delete(detach);
    };
    worker.on('message', onMessage);
    worker.once('exit', detach);
    this.detachers.add(detach);
    return detach;
  }

  private async serve(worker: IpcChannel, owner: string, request: StateRequest): Promise<void> {
    let reply: StateReply;
    if (!isValidStateRequest(request)) {
      reply = { mtshield: STATE_TAG, id: Number.isSafeInteger(request.id) ? request.id : -1, ok: false, error: 'malformed state request' };
    } else {
      try {
        const args = request.args.map((a) => (a === null ? undefined : a));
        const value = isLeaseOp(request.op) ? this.lease(owner, request.op, args) : await (this.store[request.op] as (...a: unknown[]) => Promise<unknown>).apply(this.store, args);
        reply = { mtshield: STATE_TAG, id: request.id, ok: true, value: value ?? null };
      } catch (error) {
        reply = { mtshield: STATE_TAG, id: request.id, ok: false, error: `${request.op} failed: ${(error as { code?: string }).code ?? 'store error'}` };
      }
    }
    worker.send(reply, ignoreSendError);
  }

  private lease(owner: string, op: 'leaseAcquire' | 'leaseRelease', [user, ip, limits]: unknown[]): unknown {
    if (!this.leases) throw Object.assign(new Error('no lease table'), { code: 'ERR_STATE_IPC_NO_LEASES' });
    if (op === 'leaseRelease') return this.leases.release(owner, user as string, ip as string);
    return this.leases.acquire(owner, user as string, ip as string, limits as LeaseLimits);
  }

  /** Stops serving every worker (the store itself is the caller's to close). */
  close(): void {
    for (const detach of [...this.detachers]) detach();
  }
}
