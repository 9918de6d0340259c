/**
 * x25519 public keys for ServerHello key shares, generated ahead on libuv's thread pool so that a handshake takes
 * a finished key instead of running a key generation on the main thread (docs/protocol.md "Fake TLS", "Server
 * answer"; RFC 7748 §6.1). Every key is used once: a repeated key share would tell a prober it is not talking to
 * a real TLS server.
 *
 * The public half is JWK-encoded by the generating job itself, as x25519PublicKey does: exporting a finished key
 * afterwards deadlocked Node 20 (see faketls-server.ts). An empty pool falls back to generating on the spot.
 * Measured per key (Node 20, 2 vCPUs under load): 40 µs of process CPU in all (about 20 µs of it the OpenSSL job on
 * the thread pool), against 33 µs for generateKeyPairSync on this thread and 96 µs with a DER encoding; the
 * installed @noble packages have no x25519, and a BigInt ladder in JavaScript would not be cheaper.
 *
 * Ready keys are decoded into one buffer of `size` 32-byte slots, not an array of 32-byte arrays: a key waits in
 * the pool for dozens of handshakes, long enough to be promoted, and an object per key then became old-space
 * garbage once used (issue 10: what a handshake leaves behind). take() hands out a view of its slot, valid until
 * the pool refills it (a later callback): the ServerHello copies it at once.
 */
import { generateKeyPair, type JsonWebKey } from 'node:crypto';
import { x25519PublicKey } from './faketls-server.js';

export interface KeySharePoolOptions {
  /** Keys kept ready. */
  readonly size?: number;
  /** Refill starts when fewer than this are ready. */
  readonly lowWater?: number;
}

type GenerateJwk = (type: 'x25519', options: object, done: (err: Error | null, publicKey: JsonWebKey) => void) => void;
// @types/node has no overload for a JWK-encoded x25519 pair; Node 20 hands the public half over as a JWK object.
const generateJwk = generateKeyPair as unknown as GenerateJwk;
const JWK_ENCODING = { publicKeyEncoding: { format: 'jwk' } };

const KEY_BYTES = 32;

export class KeySharePool {
  /** Slot i holds ready key i for i < `count`. */
  private readonly slots: Buffer;
  private count = 0;
  private inFlight = 0;
  private refillScheduled = false;
  private readonly size: number;
  private readonly lowWater: number;
  /** Keys made on the spot because the pool was empty (a handshake burst outran the refill). */
  misses = 0;

  constructor(options: KeySharePoolOptions = {}) {
    this.size = options.size ?? 64;
    this.lowWater = options.lowWater ?? Math.ceil(this.size / 2);
    this.slots = Buffer.alloc(this.size * KEY_BYTES);
  }

  /** Keys ready now. */
  get available(): number {
    return this.count;
  }

  /** A fresh public key, never handed out before; a view valid until the pool refills (copy it to keep it). */
  take(): Uint8Array {
    const ready = this.count > 0;
    if (ready) this.count--;
    if (this.count < this.lowWater) this.scheduleRefill();
    if (ready) return this.slots.subarray(this.count * KEY_BYTES, (this.count + 1) * KEY_BYTES);
    this.misses++;
    return x25519PublicKey();
  }

  /**
   * Starting a key job costs 12–20 µs on this thread (measured, Node 20): half a pool's worth at once is 0.5 ms,
   * so it runs after the I/O callbacks of this loop turn (the handshake that took the key answers first).
   */
  private scheduleRefill(): void {
    if (this.refillScheduled) return;
    this.refillScheduled = true;
    setImmediate(this.runScheduledRefill);
  }

  private readonly runScheduledRefill = (): void => {
    this.refillScheduled = false;
    this.refill();
  };

  /** Starts generating up to `size` keys (jobs already running count). */
  refill(): void {
    const wanted = this.size - this.count - this.inFlight;
    for (let i = 0; i < wanted; i++) {
      this.inFlight++;
      generateJwk('x25519', JWK_ENCODING, this.onKey);
    }
  }

  /** Resolves once every job started so far has finished (tests). */
  async settled(): Promise<void> {
    while (this.inFlight > 0 || this.refillScheduled) await new Promise((resolve) => setImmediate(resolve));
  }

  private readonly onKey = (err: Error | null, publicKey: JsonWebKey): void => {
    this.inFlight--;
    // A failed job leaves one key fewer; the next take() refills (or generates on the spot).
    if (err !== null || publicKey.x === undefined || this.count >= this.size) return;
    const at = this.count * KEY_BYTES;
    if (this.slots.write(publicKey.x, at, KEY_BYTES, 'base64url') === KEY_BYTES) this.count++;
  };
}

/** The process's pool (one per process: the thread pool is shared anyway). */
export const keySharePool = new KeySharePool();
