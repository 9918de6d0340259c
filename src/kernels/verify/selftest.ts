/**
 * Known-answer self-tests (vectors.ts) run on every backend before the registry enables it: each algorithm a
 * backend offers must reproduce the standard vectors one-shot and split into odd chunks (state carried across
 * calls), and its AEAD must refuse a flipped tag bit with ERR_KERNEL_AUTH_FAILED. A failing algorithm is disabled
 * for that backend; details name the vector, never key bytes. Then the differential check (crosscheck.ts) compares
 * the backend with node:crypto over lengths that cross every code-path boundary (KATs are all short).
 */
import type { Algorithm, Backend, SelfTestResult } from '../types.js';
import { ALGORITHMS } from '../types.js';
import { isMtShieldError } from '../../errors.js';
import { AEAD_VECTORS, CBC_VECTORS, CTR_VECTORS, hex, toHex } from './vectors.js';
import { crossCheck } from './crosscheck.js';

const CHUNKS = [1, 15, 17, 31];

function equal(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && toHex(a) === toHex(b);
}

/** Feeds `input` through `update` in the CHUNKS pattern (repeated) and returns the concatenation. */
function chunked(update: (d: Uint8Array) => Uint8Array, input: Uint8Array, multipleOf = 1): Uint8Array {
  const out = new Uint8Array(input.length);
  let pos = 0;
  for (let i = 0; pos < input.length; i++) {
    let n = Math.min(CHUNKS[i % CHUNKS.length]! * multipleOf, input.length - pos);
    n -= n % multipleOf;
    out.set(update(input.subarray(pos, pos + n)), pos);
    pos += n;
  }
  return out;
}

function testCtr(b: Backend): void {
  for (const v of CTR_VECTORS) {
    const expected = hex(v.ciphertext);
    const s1 = b.ctr(hex(v.key), hex(v.iv));
    if (!equal(s1.update(hex(v.plaintext)), expected)) throw new Error(`${v.name}: one-shot mismatch`);
    s1.destroy();
    const s2 = b.ctr(hex(v.key), hex(v.iv));
    if (!equal(chunked((d) => s2.update(d), hex(v.plaintext)), expected)) throw new Error(`${v.name}: chunked mismatch`);
    s2.destroy();
  }
}

function testCbc(b: Backend): void {
  for (const v of CBC_VECTORS) {
    const enc = b.cbc('encrypt', hex(v.key), hex(v.iv));
    if (!equal(chunked((d) => enc.update(d), hex(v.plaintext), 16), hex(v.ciphertext))) throw new Error(`${v.name}: encrypt mismatch`);
    enc.destroy();
    const dec = b.cbc('decrypt', hex(v.key), hex(v.iv));
    if (!equal(chunked((d) => dec.update(d), hex(v.ciphertext), 16), hex(v.plaintext))) throw new Error(`${v.name}: decrypt mismatch`);
    dec.destroy();
  }
}

function testAead(b: Backend, alg: Algorithm): void {
  const vectors = AEAD_VECTORS.filter((v) => v.alg === alg);
  const aead = b.aead(alg as (typeof vectors)[number]['alg']);
  try {
    for (const v of vectors) {
      const sealed = aead.seal(hex(v.key), hex(v.nonce), hex(v.plaintext), hex(v.aad));
      if (toHex(sealed) !== v.ciphertext + v.tag) throw new Error(`${v.name}: seal mismatch`);
      const opened = aead.open(hex(v.key), hex(v.nonce), sealed, hex(v.aad));
      if (toHex(opened) !== v.plaintext) throw new Error(`${v.name}: open mismatch`);
      sealed[sealed.length - 1]! ^= 1;
      try {
        aead.open(hex(v.key), hex(v.nonce), sealed, hex(v.aad));
        throw new Error(`${v.name}: accepted a flipped tag bit`);
      } catch (err) {
        if (!isMtShieldError(err, 'ERR_KERNEL_AUTH_FAILED')) throw err;
      }
    }
  } finally {
    aead.destroy();
  }
}

export function selfTestAlgorithm(b: Backend, alg: Algorithm): SelfTestResult {
  if (!b.supports(alg)) return { state: 'unavailable', detail: `${b.name} does not implement ${alg}` };
  try {
    if (alg === 'aes-256-ctr') testCtr(b);
    else if (alg === 'aes-256-cbc') testCbc(b);
    else testAead(b, alg);
    crossCheck(b, alg);
    return { state: 'ok' };
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    return { state: 'failed', detail: message };
  }
}

export function selfTestBackend(b: Backend): Record<Algorithm, SelfTestResult> {
  const results = {} as Record<Algorithm, SelfTestResult>;
  for (const alg of ALGORITHMS) results[alg] = selfTestAlgorithm(b, alg);
  return results;
}
