/**
 * x25519 public keys for ServerHello key shares, generated ahead on libuv's thread pool so that a handshake takes
 * a finished key instead of running a key generation on the main thread (docs/protocol.md "Fake TLS", "Server
 * answer"; RFC 7748 §6.1). Every key is used once: a repeated key share would tell a prober it is not talking to
 * a real TLS server.
 *
 * The public half is JWK-encoded by the generating job itself, as x25519PublicKey does: exporting a finished key
 * afterwards deadlocked Node 20 (see faketls-server.ts). An empty pool falls back to generating on the spot.
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

export class KeySharePool {
  private readonly ready: Uint8Array[] = [];
  private inFlight = 0;
  private readonly size: number;
  private readonly lowWater: number;
  /** Keys made on the spot because the pool was empty (a handshake burst outran the refill). */
  misses = 0;

  constructor(options: KeySharePoolOptions = {}) {
    this.size = options.size ?? 64;
    this.lowWater = options.lowWater ?? Math.ceil(this.size / 2);
  }

  /** Keys ready now. */
  get available(): number {
    return this.ready.length;
  }

  /** A fresh public key, never handed out before. */
  take(): Uint8Array {
    const key = this.ready.pop();
    if (this.ready.length < this.lowWater) this.refill();
    if (key !== undefined) return key;
    this.misses++;
    return x25519PublicKey();
  }

  /** Starts generating up to `size` keys (jobs already running count). */
  refill(): void {
    const wanted = this.size - this.ready.length - this.inFlight;
    for (let i = 0; i < wanted; i++) {
      this.inFlight++;
      generateJwk('x25519', JWK_ENCODING, this.onKey);
    }
  }

  /** Resolves once every job started so far has finished (tests). */
  async settled(): Promise<void> {
    while (this.inFlight > 0) await new Promise((resolve) => setImmediate(resolve));
  }

  private readonly onKey = (err: Error | null, publicKey: JsonWebKey): void => {
    this.inFlight--;
    // A failed job leaves one key fewer; the next take() refills (or generates on the spot).
    if (err === null && publicKey.x !== undefined) this.ready.push(new Uint8Array(Buffer.from(publicKey.x, 'base64url')));
  };
}

/** The process's pool (one per process: the thread pool is shared anyway). */
export const keySharePool = new KeySharePool();
