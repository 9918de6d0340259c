/**
 * The IPC seam between a worker and the primary: the few methods node:cluster's Worker, child_process's
 * ChildProcess and a worker's own `process` share (Node's IPC channel, https://nodejs.org/api/child_process.html
 * "subprocess.send"). Messages are plain JSON-serialisable objects; every mtshield message carries a `mtshield`
 * tag naming its kind, so state traffic, lifecycle traffic and metrics traffic share one channel.
 */
import { StateIpcError } from './errors.js';

export interface IpcChannel {
  /** Sends one message; `done` is called once it is written or failed (a closed channel does not throw). */
  send(message: object, done: (error: Error | null) => void): void;
  on(event: 'message', listener: (message: unknown) => void): void;
  off(event: 'message', listener: (message: unknown) => void): void;
  /** 'disconnect' (the channel closed) or 'exit' (the peer process ended). */
  once(event: 'disconnect' | 'exit', listener: () => void): void;
}

interface NodeIpcEndpoint {
  send?(message: object, callback: (error: Error | null) => void): boolean;
  on(event: string, listener: (...args: any[]) => void): unknown;
  off(event: string, listener: (...args: any[]) => void): unknown;
  once(event: string, listener: (...args: any[]) => void): unknown;
}

/** Wraps a ChildProcess, a cluster Worker, or (in a worker) `process`. Throws ERR_STATE_IPC_NO_CHANNEL without one. */
export function ipcChannelOf(endpoint: NodeIpcEndpoint = process as unknown as NodeIpcEndpoint): IpcChannel {
  if (typeof endpoint.send !== 'function') throw new StateIpcError('ERR_STATE_IPC_NO_CHANNEL', 'this process has no IPC channel to a primary');
  const send = endpoint.send.bind(endpoint);
  return {
    send(message, done) {
      try {
        send(message, done);
      } catch (error) {
        // A channel already closed throws synchronously on some paths; report it the same way.
        queueMicrotask(() => done(error as Error));
      }
    },
    on: (event, listener) => void endpoint.on(event, listener),
    off: (event, listener) => void endpoint.off(event, listener),
    once: (event, listener) => void endpoint.once(event, listener),
  };
}

/** True when `message` is an object carrying the given `mtshield` tag. */
export function isTagged<T extends { mtshield: string }>(message: unknown, tag: T['mtshield']): message is T {
  return typeof message === 'object' && message !== null && (message as { mtshield?: unknown }).mtshield === tag;
}
