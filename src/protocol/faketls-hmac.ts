/**
 * HMAC-SHA256 with the keyed state kept per key (RFC 2104 §2): H(K ⊕ opad ‖ H(K ⊕ ipad ‖ m)). The two hashes
 * that have absorbed the padded key are made once per key and copied for each message, instead of building a
 * node:crypto Hmac (key padding, two hash setups) for every key of every ClientHello. The digest is the same as
 * createHmac('sha256', key). Keys are the stable Uint8Arrays of the user directory; the cache is weak, so a
 * rotated-out or removed key's state goes with it.
 */
import { createHash, type Hash } from 'node:crypto';

const BLOCK = 64;

interface KeyedState {
  readonly inner: Hash;
  readonly outer: Hash;
}

const states = new WeakMap<Uint8Array, KeyedState>();

function keyedState(key: Uint8Array): KeyedState {
  let state = states.get(key);
  if (state === undefined) {
    if (key.length > BLOCK) throw new RangeError('HMAC keys longer than one block are not used here');
    const ipad = new Uint8Array(BLOCK).fill(0x36);
    const opad = new Uint8Array(BLOCK).fill(0x5c);
    for (let i = 0; i < key.length; i++) {
      ipad[i]! ^= key[i]!;
      opad[i]! ^= key[i]!;
    }
    state = { inner: createHash('sha256').update(ipad), outer: createHash('sha256').update(opad) };
    states.set(key, state);
  }
  return state;
}

/** HMAC-SHA256(key, a ‖ b): `b` is optional so the server answer (client random ‖ answer) needs no join. */
export function hmacSha256(key: Uint8Array, a: Uint8Array, b?: Uint8Array): Buffer {
  const state = keyedState(key);
  const inner = state.inner.copy().update(a);
  if (b !== undefined) inner.update(b);
  return state.outer.copy().update(inner.digest()).digest();
}
