/**
 * Random bytes for the handshake path, drawn in batches: a node:crypto fill costs about 6 µs per call whatever
 * its size (a job object per call) and 0.6 ns per byte in large fills, and each admitted fake-TLS client needs two
 * small draws (the ServerHello's data record, 1–4 KiB, and the DC header, 64 bytes). One 64 KiB fill from the
 * same CSPRNG serves many of them; every byte is handed out once, then the pool is filled again.
 * (docs/protocol.md "Server answer", "Proxy → DC")
 *
 * Only for bytes that go on the wire in the clear or as key material the wire itself carries (obfuscated2
 * towards a DC has no secret); secret keys keep their own randomBytes call (src/protocol/secrets.ts).
 */
import { randomFillSync } from 'node:crypto';

const POOL_BYTES = 64 * 1024;
/** Larger requests are filled directly: a pool refill would serve few of them. */
const DIRECT_BYTES = POOL_BYTES / 4;

const pool = Buffer.allocUnsafe(POOL_BYTES);
let used = POOL_BYTES; // filled on first use

/** Writes `length` fresh random bytes into `target` at `offset`. */
export function fillRandom(target: Uint8Array, offset: number, length: number): void {
  if (length > DIRECT_BYTES) {
    randomFillSync(target, offset, length);
    return;
  }
  if (used + length > POOL_BYTES) {
    randomFillSync(pool);
    used = 0;
  }
  pool.copy(target, offset, used, used + length);
  used += length;
}

/** `length` fresh random bytes in a new array. */
export function randomPoolBytes(length: number): Uint8Array {
  const out = new Uint8Array(length);
  fillRandom(out, 0, length);
  return out;
}
