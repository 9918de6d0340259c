/**
 * The session's held client bytes (src/proxy/held-bytes.ts) and its dials' reused AbortControllers
 * (src/proxy/dial-abort.ts): the bytes come back in order however they were split, views handed out earlier keep
 * their bytes, each byte is copied a bounded number of times; a controller is reused only when that cannot be seen.
 */
import { describe, expect, it } from 'vitest';
import { randomBytes } from 'node:crypto';
import { appendHeld, heldBytesCopied, heldView } from '../../src/proxy/held-bytes.js';
import { giveBackDialAbort, takeDialAbort } from '../../src/proxy/dial-abort.js';

describe('held bytes', () => {
  it('one chunk is held as it is, without a copy', () => {
    const chunk = randomBytes(100);
    const before = heldBytesCopied.bytes;
    const store = appendHeld(undefined, 0, chunk);
    expect(store).toBe(chunk);
    expect(heldView(store, 100)).toBe(chunk);
    expect(heldBytesCopied.bytes).toBe(before);
  });

  it('bytes split every which way come back in order; earlier views keep their bytes; copies stay linear', () => {
    const all = randomBytes(20_000);
    const before = heldBytesCopied.bytes;
    let store: Buffer | undefined;
    let length = 0;
    const views: { at: number; view: Buffer }[] = [];
    for (let at = 0, size = 1; at < all.length; at += size, size = (size * 7 + 3) % 97 || 1) {
      const chunk = Buffer.from(all.subarray(at, Math.min(at + size, all.length)));
      store = appendHeld(store, length, chunk);
      length += chunk.length;
      if (views.length < 50) views.push({ at: length, view: heldView(store, length) });
    }
    expect(heldView(store!, length).equals(all)).toBe(true);
    for (const { at, view } of views) expect(view.equals(all.subarray(0, at))).toBe(true);
    expect(heldBytesCopied.bytes - before).toBeLessThanOrEqual(3 * all.length);
  });
});

describe('dial abort controllers', () => {
  it('a controller that was never aborted and has no listener left is reused', () => {
    const first = takeDialAbort();
    const onAbort = () => {};
    first.signal.addEventListener('abort', onAbort);
    first.signal.removeEventListener('abort', onAbort);
    giveBackDialAbort(first);
    expect(takeDialAbort()).toBe(first);
  });

  it('an aborted controller, or one still listened to, is never handed out again', () => {
    const aborted = takeDialAbort();
    aborted.abort();
    giveBackDialAbort(aborted);
    const listened = takeDialAbort();
    listened.signal.addEventListener('abort', () => {});
    giveBackDialAbort(listened);
    const next = takeDialAbort();
    expect(next).not.toBe(aborted);
    expect(next).not.toBe(listened);
    expect(next.signal.aborted).toBe(false);
  });
});
