/**
 * The client bytes a session holds before its relay runs: everything read during the handshake (the handshake
 * reads it, and a failed one hands it to the fronting site byte for byte) and what the client sends while its
 * upstream connects.
 *
 * Appending copies each byte once into a store that doubles when full, so a hello sent one byte per TCP segment
 * costs O(n) copying in all; re-joining the bytes held so far on every chunk cost O(n²) (16 MiB copied for a
 * 4 KiB hello). A connection whose bytes arrive in one chunk (nearly all) holds that chunk itself: no copy at all.
 * The store is append-only, so views handed out earlier (the handshake keeps some) keep their bytes.
 */

/** Bytes copied by `appendHeld` since the process started (read by test/attacks/handshake-byte-drip.test.ts). */
export const heldBytesCopied = { bytes: 0 };

/** Smallest store made once a second chunk arrives (a hello split in two is the usual case). */
const MIN_STORE = 1024;

/**
 * Appends `chunk` to the `length` bytes held at the start of `store` (none: `store` undefined, `length` 0) and
 * returns the store that now holds `length + chunk.length` bytes: `chunk` itself when nothing was held, `store`
 * when the chunk fits after its bytes, else a new store of at least twice the size.
 */
export function appendHeld(store: Buffer | undefined, length: number, chunk: Buffer): Buffer {
  if (store === undefined || length === 0) return chunk;
  const needed = length + chunk.length;
  let target = store;
  // A store that is the socket's own first chunk is exactly full, so the second chunk always makes one of ours.
  if (needed > store.length) {
    target = Buffer.allocUnsafe(Math.max(needed, 2 * store.length, MIN_STORE));
    store.copy(target, 0, 0, length);
    heldBytesCopied.bytes += length;
  }
  chunk.copy(target, length);
  heldBytesCopied.bytes += chunk.length;
  return target;
}

/** The `length` bytes held at the start of `store`, without a copy. */
export function heldView(store: Buffer, length: number): Buffer {
  return length === store.length ? store : store.subarray(0, length);
}
