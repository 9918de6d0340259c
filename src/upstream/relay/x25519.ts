/**
 * X25519 (RFC 7748) on node:crypto with raw 32-byte keys, and the one text form of a public key the operator
 * sees: unpadded base64url (43 characters). Parsing also accepts padded base64 and 64-digit hex, so keys pasted
 * from other tools work.
 */
import { createPrivateKey, createPublicKey, diffieHellman, generateKeyPairSync, randomBytes, type KeyObject } from 'node:crypto';
import { RelayConfigError } from './errors.js';

// DER wrappers that turn raw X25519 keys into PKCS#8 / SPKI (RFC 8410): a fixed prefix, then the 32 bytes.
const PKCS8_PREFIX = Buffer.from('302e020100300506032b656e04220420', 'hex');
const SPKI_PREFIX = Buffer.from('302a300506032b656e032100', 'hex');

export const X25519_KEY_LENGTH = 32;

export interface X25519KeyPair {
  /** Raw private scalar (32 bytes). */
  readonly privateKey: Uint8Array;
  /** Raw public key (32 bytes). */
  readonly publicKey: Uint8Array;
  /** node:crypto handle of the private key, kept so each DH does not re-import it. */
  readonly handle: KeyObject;
}

export function keyPairFromPrivate(privateKey: Uint8Array): X25519KeyPair {
  if (privateKey.length !== X25519_KEY_LENGTH) throw new RelayConfigError('ERR_RELAY_BAD_KEY', 'an X25519 private key is 32 bytes');
  const handle = createPrivateKey({ key: Buffer.concat([PKCS8_PREFIX, privateKey]), format: 'der', type: 'pkcs8' });
  const spki = createPublicKey(handle).export({ format: 'der', type: 'spki' });
  return { privateKey: Uint8Array.from(privateKey), publicKey: new Uint8Array(spki.subarray(SPKI_PREFIX.length)), handle };
}

export function generateKeyPair(): X25519KeyPair {
  const { privateKey } = generateKeyPairSync('x25519');
  const pkcs8 = privateKey.export({ format: 'der', type: 'pkcs8' });
  return keyPairFromPrivate(new Uint8Array(pkcs8.subarray(PKCS8_PREFIX.length)));
}

/** X25519(own private, peer public). Throws RelayConfigError for a public key that is not 32 bytes. */
export function dh(own: X25519KeyPair, peerPublic: Uint8Array): Uint8Array {
  if (peerPublic.length !== X25519_KEY_LENGTH) throw new RelayConfigError('ERR_RELAY_BAD_KEY', 'an X25519 public key is 32 bytes');
  const publicKey = createPublicKey({ key: Buffer.concat([SPKI_PREFIX, peerPublic]), format: 'der', type: 'spki' });
  return new Uint8Array(diffieHellman({ privateKey: own.handle, publicKey }));
}

/** The operator-facing form of a public key: unpadded base64url. */
export function formatPublicKey(publicKey: Uint8Array): string {
  return Buffer.from(publicKey).toString('base64url');
}

/** Parses a public key given as base64url, base64 or hex; throws ERR_RELAY_BAD_KEY otherwise. */
export function parsePublicKey(text: string): Uint8Array {
  const t = text.trim();
  const raw = /^[0-9a-fA-F]{64}$/.test(t)
    ? Buffer.from(t, 'hex')
    : /^[A-Za-z0-9+/_-]{43}=?$/.test(t)
      ? Buffer.from(t, 'base64') // node's base64 decoder takes both alphabets
      : undefined;
  if (raw === undefined || raw.length !== X25519_KEY_LENGTH) {
    throw new RelayConfigError('ERR_RELAY_BAD_KEY', 'not an X25519 public key (expected 43 base64url characters or 64 hex digits)');
  }
  return new Uint8Array(raw);
}

export function randomPrivateKey(): Uint8Array {
  return new Uint8Array(randomBytes(X25519_KEY_LENGTH));
}
