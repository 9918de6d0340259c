/**
 * Large reads without a fresh buffer per read, for upstream (DC) sockets and, once relaying, accepted client
 * sockets. [Node net: socket `onread` option]
 *
 * Node reads a socket into a new 64 KiB buffer per read; a relay that transforms every chunk into a fresh
 * buffer anyway (node:crypto AES cannot work in place) pays for that allocation, its garbage collection and
 * for the 64 KiB cap, which splits a 64 KiB frame plus its length prefix into a large and a tiny read (and a
 * tiny write on the other side). With `onread`, libuv reads into one buffer shared by every borrowing socket
 * of the process (upstreams from the dial, clients from the relay's start: borrowReadsFrom): safe because JavaScript runs one callback at a time and the relay consumes each view before
 * it returns (relay.ts copies whatever the codec leaves in place: `ownBytes`, or one copy of the read for
 * several parts).
 */
import { Socket } from 'node:net';

/** Up to this many bytes per read (4 full TLS records' worth of DC bytes and more). */
export const BORROWED_READ_BYTES = 256 * 1024;
let shared: Buffer | undefined;

type Handler = (socket: Socket, view: Buffer) => void;
/** Hands the stream's reads to `handler` (gets the stream too, so one shared function can serve many). */
type Attach = (handler: Handler, stream: object) => void;
/** Streams that are not sockets but lend their reads (lendReads). */
const lenders = new WeakMap<object, Attach>();

/**
 * A dialled socket's borrowed reads go to the handler stored on it, bytes read before there is one to a list on it:
 * one shared `onread` callback finds both through the socket (`this`), so a dial binds no closure (two closures and
 * their context per idle upstream, ≈ 110 bytes, heap snapshot). The handler slot is set at adopt time, so every
 * borrowing socket has the same shape and `READER in socket` says it borrows.
 */
const READER = Symbol('borrowed-read handler');
const EARLY = Symbol('early borrowed reads');
type BorrowingSocket = Socket & { [READER]?: Handler | undefined; [EARLY]?: Buffer[] | undefined };

/**
 * A stream that is not a socket but hands out views of memory it reuses (middle mode's client endpoint: answers
 * framed in place in the link's receive buffer) offers them to the relay the same way.
 */
export function lendReads(stream: object, attach: Attach): void {
  lenders.set(stream, attach);
}

function onDialledRead(this: BorrowingSocket, n: number, buf: Buffer): boolean {
  const view = buf.subarray(0, n);
  const handler = this[READER];
  // Bytes read before a handler exists (a DC never speaks first, but nothing may be lost) are copied.
  if (handler !== undefined) handler(this, view);
  else (this[EARLY] ??= []).push(Buffer.from(view));
  return true;
}

function adoptBorrowing(socket: Socket): void {
  (socket as BorrowingSocket)[READER] = undefined;
}

interface DialOption {
  onread: { buffer: Buffer; callback: (this: Socket, n: number, buf: Buffer) => boolean };
  adopt(socket: Socket): void;
}
let dialOption: DialOption | undefined;

/** The `onread` option for a socket about to connect; `adopt(socket)` once it exists. One object for every dial. */
export function borrowedReadOption(): DialOption {
  return (dialOption ??= { onread: { buffer: sharedBuffer(), callback: onDialledRead }, adopt: adoptBorrowing });
}

function sharedBuffer(): Buffer {
  return (shared ??= Buffer.allocUnsafe(BORROWED_READ_BYTES));
}

/**
 * The socket fields behind `onread` (Node's kBuffer, kBufferCb, kBufferGen), read once off a socket made with the
 * option: net.Server has no `onread` for the sockets it accepts, so an accepted socket is switched by hand the way
 * net.Socket's constructor and initSocketHandle switch a connecting one. Undefined when this Node lays them out
 * otherwise (then accepted sockets keep reading the ordinary way).
 */
interface OnreadFields {
  buffer: symbol;
  callback: symbol;
  generator: symbol;
}
let onreadFields: OnreadFields | undefined | null;

function findOnreadFields(): OnreadFields | undefined {
  if (onreadFields !== undefined) return onreadFields ?? undefined;
  const marker = Buffer.alloc(1);
  // @types/node lists `onread` for connect() only; the constructor takes it too.
  const probe = new Socket({ onread: { buffer: marker, callback: () => true } } as ConstructorParameters<typeof Socket>[0]);
  const bySymbol = (test: (value: unknown) => boolean) => Object.getOwnPropertySymbols(probe).find((s) => test((probe as unknown as Record<symbol, unknown>)[s]));
  const buffer = bySymbol((v) => v === marker);
  const callback = bySymbol((v) => typeof v === 'function');
  const generator = Object.getOwnPropertySymbols(probe).find((s) => s.description === 'kBufferGen');
  probe.destroy();
  onreadFields = buffer && callback && generator ? { buffer, callback, generator } : null;
  return onreadFields ?? undefined;
}

/** A read into the shared buffer: `this` is the socket, `buffer.subarray(0, n)` the bytes (valid until it returns). */
export type BorrowedReadCallback = (this: Socket, n: number, buffer: Buffer) => void;

/**
 * Switches a connected socket (an accepted client) to reads into the shared buffer, each handed to `callback`
 * (one shared function for every socket: it gets the socket as `this`). Bytes that were already read into the
 * stream's own buffer still come as 'data', before any borrowed read (they flow in a tick; the next read comes from
 * the event loop). pause() and resume() stop and start reading, as for a socket made with `onread`. False when the
 * socket cannot be switched (not a TCP socket with a handle, already borrowing, or an unknown Node layout).
 */
export function borrowReadsFrom(socket: Socket, callback: BorrowedReadCallback): boolean {
  const fields = findOnreadFields();
  const handle = (socket as unknown as { _handle?: { useUserBuffer?: (buffer: Uint8Array) => void } | null })._handle;
  const slots = socket as unknown as Record<symbol, unknown>;
  if (!fields || !handle || typeof handle.useUserBuffer !== 'function' || socket.destroyed) return false;
  if (slots[fields.buffer] || slots[fields.generator]) return false;
  const buffer = sharedBuffer();
  handle.useUserBuffer(buffer);
  slots[fields.buffer] = buffer;
  slots[fields.callback] = callback; // Node stops reading only when it returns false
  return true;
}

/** Routes a borrowing socket's reads (any other stream: false) to `handler`; false when the socket reads the ordinary way ('data'). */
export function onBorrowedData(stream: object, handler: Handler): boolean {
  if (READER in stream) {
    const socket = stream as BorrowingSocket;
    socket[READER] = handler;
    const pending = socket[EARLY];
    if (pending === undefined) return true;
    socket[EARLY] = undefined;
    for (const chunk of pending) handler(socket, chunk);
    return true;
  }
  const attach = lenders.get(stream);
  if (!attach) return false;
  lenders.delete(stream);
  attach(handler, stream);
  return true;
}

/** `part` itself when it is not a view of `borrowed`'s memory, else a copy (the read buffer is reused). */
export function ownBytes(part: Uint8Array, borrowed: Uint8Array): Uint8Array {
  return part.buffer === borrowed.buffer ? Buffer.from(part) : part;
}
