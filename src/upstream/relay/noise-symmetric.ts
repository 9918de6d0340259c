/**
 * The Noise Protocol Framework's CipherState and SymmetricState (revision 34, noiseprotocol.org/noise.html
 * sections 5.1 and 5.2) for Noise_*_25519_ChaChaPoly_SHA256: HASH = SHA-256, HKDF from HMAC-SHA256 (section 4.3),
 * ChaChaPoly nonces = 32 zero bits ‖ 64-bit little-endian counter (section 12.3). The AEAD comes from the kernel
 * registry, so the handshake runs on the same kernels as the records.
 */
import { createHash, createHmac } from 'node:crypto';
import type { Aead } from '../../kernels/index.js';
import { RelayError } from './errors.js';

export const HASH_LENGTH = 32;
const EMPTY = new Uint8Array(0);

export function sha256(...parts: Uint8Array[]): Uint8Array {
  const h = createHash('sha256');
  for (const p of parts) h.update(p);
  return new Uint8Array(h.digest());
}

function hmac(key: Uint8Array, ...parts: Uint8Array[]): Uint8Array {
  const m = createHmac('sha256', key);
  for (const p of parts) m.update(p);
  return new Uint8Array(m.digest());
}

/** HKDF(chaining_key, input_key_material, 2) of section 4.3. */
export function hkdf2(chainingKey: Uint8Array, ikm: Uint8Array): [Uint8Array, Uint8Array] {
  const tempKey = hmac(chainingKey, ikm);
  const out1 = hmac(tempKey, Uint8Array.of(1));
  const out2 = hmac(tempKey, out1, Uint8Array.of(2));
  return [out1, out2];
}

/** Section 5.1: a key (or none) and a 64-bit nonce counter. */
export class CipherState {
  private key: Uint8Array | undefined;
  private n = 0n;
  private readonly nonce = new Uint8Array(12);

  constructor(private readonly aead: Aead, key?: Uint8Array) {
    this.key = key;
  }

  initializeKey(key: Uint8Array): void {
    this.key = key;
    this.n = 0n;
  }

  hasKey(): boolean {
    return this.key !== undefined;
  }

  encryptWithAd(ad: Uint8Array, plaintext: Uint8Array): Uint8Array {
    if (this.key === undefined) return plaintext;
    const out = this.aead.seal(this.key, this.nextNonce(), plaintext, ad);
    this.n++;
    return out;
  }

  /** Throws RelayError('handshake-auth') on a bad tag; the nonce does not advance then (section 5.1). */
  decryptWithAd(ad: Uint8Array, ciphertext: Uint8Array): Uint8Array {
    if (this.key === undefined) return ciphertext;
    let out: Uint8Array;
    try {
      out = this.aead.open(this.key, this.nextNonce(), ciphertext, ad);
    } catch (cause) {
      throw new RelayError('handshake-auth', 'a Noise message failed authentication', { cause });
    }
    this.n++;
    return out;
  }

  private nextNonce(): Uint8Array {
    new DataView(this.nonce.buffer).setBigUint64(4, this.n, true);
    return this.nonce;
  }
}

/** Section 5.2: the chaining key ck, the handshake hash h and a CipherState. */
export class SymmetricState {
  readonly cipher: CipherState;
  private ck: Uint8Array;
  private hash: Uint8Array;

  constructor(private readonly aead: Aead, protocolName: string) {
    const name = new TextEncoder().encode(protocolName);
    // a name of at most HASHLEN bytes is zero-padded to HASHLEN, a longer one is hashed
    this.hash = name.length <= HASH_LENGTH ? Uint8Array.from({ length: HASH_LENGTH }, (_, i) => name[i] ?? 0) : sha256(name);
    this.ck = this.hash;
    this.cipher = new CipherState(aead);
  }

  get h(): Uint8Array {
    return this.hash;
  }

  mixKey(ikm: Uint8Array): void {
    const [ck, tempKey] = hkdf2(this.ck, ikm);
    this.ck = ck;
    this.cipher.initializeKey(tempKey); // HASHLEN = 32 = cipher key length, no truncation
  }

  mixHash(data: Uint8Array): void {
    this.hash = sha256(this.hash, data);
  }

  encryptAndHash(plaintext: Uint8Array): Uint8Array {
    const ct = this.cipher.encryptWithAd(this.hash, plaintext);
    this.mixHash(ct);
    return ct;
  }

  decryptAndHash(ciphertext: Uint8Array): Uint8Array {
    const pt = this.cipher.decryptWithAd(this.hash, ciphertext);
    this.mixHash(ciphertext);
    return pt;
  }

  /** The two transport keys: [initiator → responder, responder → initiator]. */
  split(): [Uint8Array, Uint8Array] {
    return hkdf2(this.ck, EMPTY);
  }
}
