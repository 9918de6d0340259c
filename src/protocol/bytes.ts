/**
 * Small byte helpers shared by the protocol modules: encodings, reversal, constant-time comparison and the
 * 128-bit big-endian counter arithmetic that AES-CTR IVs need (docs/protocol.md "AES-CTR counter": the IV is
 * the whole counter block).
 */

const HEX_RE = /^(?:[0-9a-fA-F]{2})+$/;
const B64_RE = /^[A-Za-z0-9+/_-]+={0,2}$/;

export function isHex(text: string): boolean {
  return HEX_RE.test(text);
}

export function fromHex(text: string): Uint8Array {
  return new Uint8Array(Buffer.from(text, 'hex'));
}

export function toHex(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('hex');
}

/** Decodes base64 or base64url, padded or not; undefined when the text is not valid base64 of either kind. */
export function fromBase64Any(text: string): Uint8Array | undefined {
  if (!B64_RE.test(text)) return undefined;
  const bare = text.replace(/=+$/, '');
  if (bare.length % 4 === 1) return undefined;
  if (text.length !== bare.length && text.length % 4 !== 0) return undefined;
  const normal = bare.replace(/-/g, '+').replace(/_/g, '/');
  return new Uint8Array(Buffer.from(normal, 'base64'));
}

export function toBase64Url(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64url');
}

export function concatBytes(...parts: Uint8Array[]): Uint8Array {
  let total = 0;
  for (const p of parts) total += p.length;
  const out = new Uint8Array(total);
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/** A reversed copy. */
export function reversed(bytes: Uint8Array): Uint8Array {
  const out = new Uint8Array(bytes.length);
  for (let i = 0; i < bytes.length; i++) out[i] = bytes[bytes.length - 1 - i]!;
  return out;
}

/**
 * Constant-time equality of two equal-length byte ranges: accumulates the XOR of every pair and branches
 * only on the public length. Returns 1 when equal, 0 otherwise (a number, so callers can mask with it).
 */
export function ctEqualBytes(a: Uint8Array, aOff: number, b: Uint8Array, bOff: number, len: number): number {
  let diff = 0;
  for (let i = 0; i < len; i++) diff |= a[aOff + i]! ^ b[bOff + i]!;
  // (diff - 1) >>> 31 is 1 exactly when diff == 0 (diff is in 0..255).
  return ((diff - 1) >>> 31) & 1;
}

/** 1 when byte x equals constant c, else 0, without a branch on x. */
export function ctByteIs(x: number, c: number): number {
  return (((x ^ c) - 1) >>> 31) & 1;
}

/** The 128-bit big-endian counter block `iv` advanced by `blocks`, as a new array. */
export function addToCounter(iv: Uint8Array, blocks: number): Uint8Array {
  const out = new Uint8Array(iv);
  let carry = blocks;
  for (let i = 15; i >= 0; i--) {
    const sum = out[i]! + (carry & 0xff);
    out[i] = sum & 0xff;
    carry = (carry >>> 8) + (sum >>> 8);
  }
  return out;
}

/**
 * A copy of bytes[start, end) as a plain Uint8Array. (Buffer#slice returns a view, so `.slice()` on input
 * that may be a Buffer is not a copy.)
 */
export function copyBytes(bytes: Uint8Array, start = 0, end = bytes.length): Uint8Array {
  return new Uint8Array(bytes.subarray(start, end));
}
