/**
 * The primary-held state over real IPC: worker processes forked with an IPC channel (what node:cluster uses)
 * share one MemoryStateStore in this process through IpcStateStore → StateIpcServer. Two workers racing
 * setIfAbsent → exactly one wins per key; batched counters sum exactly; a worker killed mid-request does not
 * disturb the primary or the other worker; bad requests get typed answers; timeouts and a closed channel fail
 * with stable codes.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { ChildProcess } from 'node:child_process';
import { EventEmitter } from 'node:events';
import { MemoryStateStore } from '../../src/state/memory.js';
import { StateIpcServer } from '../../src/state/ipc-server.js';
import { IpcStateStore } from '../../src/state/ipc.js';
import { ipcChannelOf, type IpcChannel } from '../../src/state/ipc-channel.js';
import { BatchedCounter } from '../../src/state/batched-counter.js';
import { fixture, forkReady, killForked } from '../cluster/helpers.js';

const WORKER = fixture('state-worker.ts');
afterEach(killForked);

async function startWorker(server: StateIpcServer): Promise<ChildProcess> {
  const child = await forkReady(WORKER);
  server.attach(ipcChannelOf(child));
  return child;
}

function ask<T>(child: ChildProcess, command: { cmd: string; [field: string]: unknown }): Promise<T> {
  return new Promise((resolve) => {
    const onMessage = (m: { done?: string; value: T }): void => {
      if (m.done !== command.cmd) return;
      child.off('message', onMessage);
      resolve(m.value);
    };
    child.on('message', onMessage);
    child.send(command);
  });
}

describe('IpcStateStore ↔ StateIpcServer over fork()', () => {
  it('two workers racing setIfAbsent on the same keys: exactly one wins each key', async () => {
    const store = new MemoryStateStore();
    const server = new StateIpcServer(store);
    const [a, b] = await Promise.all([startWorker(server), startWorker(server)]);
    const keys = Array.from({ length: 200 }, (_, i) => `replay:${i}`);
    const [winsA, winsB] = await Promise.all([ask<boolean[]>(a!, { cmd: 'race', keys }), ask<boolean[]>(b!, { cmd: 'race', keys })]);
    for (let i = 0; i < keys.length; i++) expect(winsA[i] !== winsB[i], keys[i]).toBe(true);
    // The winner's pid is what the store holds.
    for (let i = 0; i < keys.length; i++) expect(await store.get(keys[i]!)).toBe(String(winsA[i] ? a!.pid : b!.pid));
    server.close();
  });

  it('batched counters from two workers sum exactly, in a few messages', async () => {
    const store = new MemoryStateStore();
    let incrCalls = 0;
    const incr = store.incr.bind(store);
    store.incr = (key, by, ttl) => {
      incrCalls++;
      return incr(key, by, ttl);
    };
    const server = new StateIpcServer(store);
    const [a, b] = await Promise.all([startWorker(server), startWorker(server)]);
    const [ra, rb] = await Promise.all([
      ask<{ unwritten: string[] }>(a!, { cmd: 'count', key: 'usage:alice', times: 50_000, by: 1400 }),
      ask<{ unwritten: string[] }>(b!, { cmd: 'count', key: 'usage:alice', times: 30_000, by: 7 }),
    ]);
    expect(ra.unwritten).toEqual([]);
    expect(rb.unwritten).toEqual([]);
    expect(await store.get('usage:alice')).toBe(String(50_000 * 1400 + 30_000 * 7));
    expect(incrCalls).toBeLessThanOrEqual(4);
    server.close();
  });

  it('a worker killed with SIGKILL mid-run does not break the primary or the other worker', async () => {
    const store = new MemoryStateStore();
    const server = new StateIpcServer(store);
    const [doomed, survivor] = await Promise.all([startWorker(server), startWorker(server)]);
    doomed!.send({ cmd: 'spin', key: 'spin' });
    await new Promise((r) => setTimeout(r, 200));
    const died = new Promise((r) => doomed!.once('exit', r));
    doomed!.kill('SIGKILL');
    await died;
    expect(Number(await store.get('spin'))).toBeGreaterThan(0);
    expect(await ask(survivor!, { cmd: 'race', keys: ['after-kill'] })).toEqual([true]);
    expect(await ask(survivor!, { cmd: 'get', key: 'after-kill' })).toBe(String(survivor!.pid));
    server.close();
  });
});

/** An in-process stand-in for a worker's channel to a primary that never answers (for the error paths). */
function silentPrimary(): IpcChannel & { emitter: EventEmitter } {
  const emitter = new EventEmitter();
  return {
    emitter,
    send: (_message, done) => done(null),
    on: (e, l) => void emitter.on(e, l),
    off: (e, l) => void emitter.off(e, l),
    once: (e, l) => void emitter.once(e, l),
  };
}

describe('IpcStateStore failure paths', () => {
  it('a primary that does not answer fails the call with ERR_STATE_IPC_TIMEOUT', async () => {
    const store = new IpcStateStore(silentPrimary(), { timeoutMs: 50 });
    await expect(store.get('k')).rejects.toMatchObject({ code: 'ERR_STATE_IPC_TIMEOUT' });
    expect(store.inFlight).toBe(0);
  });

  it('a channel that closes fails pending calls with ERR_STATE_IPC_CLOSED, and so does a closed store', async () => {
    const channel = silentPrimary();
    const store = new IpcStateStore(channel, { timeoutMs: 5000 });
    const pending = store.setIfAbsent('k', 'v');
    channel.emitter.emit('disconnect');
    await expect(pending).rejects.toMatchObject({ code: 'ERR_STATE_IPC_CLOSED' });
    await store.close();
    await expect(store.get('k')).rejects.toMatchObject({ code: 'ERR_STATE_IPC_CLOSED' });
  });

  it('a send that fails is ERR_STATE_IPC_CLOSED; no channel at all is ERR_STATE_IPC_NO_CHANNEL', async () => {
    const dead = new EventEmitter();
    const channel = ipcChannelOf(Object.assign(dead, { send: () => { throw new Error('channel closed'); } }));
    await expect(new IpcStateStore(channel).get('k')).rejects.toMatchObject({ code: 'ERR_STATE_IPC_CLOSED' });
    expect(() => ipcChannelOf(new EventEmitter())).toThrow(expect.objectContaining({ code: 'ERR_STATE_IPC_NO_CHANNEL' }));
  });

  it('the server answers a malformed request with an error and keeps serving', async () => {
    const store = new MemoryStateStore();
    const server = new StateIpcServer(store);
    const answers: object[] = [];
    const peer = new EventEmitter();
    server.attach({ send: (m, done) => (answers.push(m), done(null)), on: (e, l) => void peer.on(e, l), off: (e, l) => void peer.off(e, l), once: (e, l) => void peer.once(e, l) });
    for (const bad of [
      { mtshield: 'state', id: 1, op: 'flushall', args: [] },
      { mtshield: 'state', id: 2, op: 'set', args: [42, 'v'] },
      { mtshield: 'state', id: 3, op: 'get', args: ['x'.repeat(5000)] },
      { mtshield: 'state', id: 'x', op: 'get', args: ['k'] },
      { mtshield: 'state', id: 4, op: 'constructor', args: ['k'] },
    ]) peer.emit('message', bad);
    peer.emit('message', { mtshield: 'state', id: 5, op: 'set', args: ['k', 'v', null] });
    peer.emit('message', { mtshield: 'other', id: 6 });
    await new Promise((r) => setTimeout(r, 10));
    expect(answers.map((a) => (a as { ok: boolean }).ok)).toEqual([false, false, false, false, false, true]);
    expect(await store.get('k')).toBe('v');
    peer.emit('exit');
    peer.emit('message', { mtshield: 'state', id: 7, op: 'del', args: ['k'] });
    await new Promise((r) => setTimeout(r, 10));
    expect(await store.get('k')).toBe('v');
  });

  it('a batched counter keeps sums when the store fails and writes them on the next flush', async () => {
    const store = new MemoryStateStore();
    const errors: unknown[] = [];
    const counter = new BatchedCounter(store, { flushMs: 60_000, onError: (e) => errors.push(e) });
    const incr = store.incr.bind(store);
    store.incr = () => Promise.reject(new Error('down'));
    counter.add('q', 10);
    counter.add('q', 5);
    await counter.flush();
    expect(errors).toHaveLength(1);
    expect(counter.pendingFor('q')).toBe(15);
    store.incr = incr;
    counter.add('q', 1);
    expect(await counter.close()).toEqual([]);
    expect(await store.get('q')).toBe('16');
  });
});
