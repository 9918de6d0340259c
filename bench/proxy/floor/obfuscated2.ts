/**
 * The floor subjects' obfuscated2 (docs/protocol.md "Obfuscated2 header"; docs/benchmarks.md "Floor subjects"),
 * written plainly on node:crypto alone, without mtshield's code: what any MTProxy must compute per connection.
 *
 *   client → proxy:  key = SHA-256(header[8..40] ‖ secret), IV = header[40..56]; the header's 64 bytes eat
 *                    the first 64 bytes of keystream, the tag (ef/ee/dd ×4) sits at 56..60 once decrypted
 *   proxy → client:  R = reverse(header[8..56]); key = SHA-256(R[0..32] ‖ secret), IV = R[32..48]
 *   proxy → DC:      a fresh random header, the same rules without the secret (key = material itself)
 *
 * Unlike src/protocol/obfuscated2.ts it stops at the first secret that fits (no constant-time search) and
 * draws each DC header with its own randomBytes call (no pool): the least work, not the hardened work.
 */
import { createCipheriv, createHash, randomBytes, type Cipher } from 'node:crypto';

export const HEADER_LENGTH = 64;

/** One side's AES-256-CTR streams: what it reads with and what it writes with. */
export interface CtrPair {
  /** AES-256-CTR is its own inverse: both directions are node:crypto Cipher streams. */
  decrypt: Cipher;
  encrypt: Cipher;
}

export interface ClientKeys extends CtrPair {
  /** Decrypted header bytes 56..64: the tag, the DC id and two random bytes, passed on to the DC's header. */
  tail: Buffer;
}

function keyOf(material: Buffer, secret: Buffer | undefined): Buffer {
  return secret ? createHash('sha256').update(material).update(secret).digest() : material;
}

function pairFor(header: Buffer, secret: Buffer | undefined): { initiator: CtrPair; plain: Buffer } {
  const encrypt = createCipheriv('aes-256-ctr', keyOf(header.subarray(8, 40), secret), header.subarray(40, 56));
  const reversed = Buffer.from(header.subarray(8, 56)).reverse();
  const decrypt = createCipheriv('aes-256-ctr', keyOf(reversed.subarray(0, 32), secret), reversed.subarray(32, 48));
  // The header itself uses the initiator's first 64 bytes of keystream.
  return { initiator: { encrypt, decrypt }, plain: encrypt.update(header) };
}

/** The proxy's streams for a client's 64-byte header, trying each secret in turn; undefined when none fits. */
export function acceptClientHeader(header: Buffer, secrets: readonly Buffer[]): ClientKeys | undefined {
  for (const secret of secrets) {
    const { initiator, plain } = pairFor(header, secret);
    const t = plain[56];
    if ((t === 0xef || t === 0xee || t === 0xdd) && plain[57] === t && plain[58] === t && plain[59] === t) {
      // The client's encrypt stream (already past the header) is the proxy's decrypt stream, and vice versa.
      return { decrypt: initiator.encrypt, encrypt: initiator.decrypt, tail: plain.subarray(56, 64) };
    }
  }
  return undefined;
}

/** Starts that could be mistaken for another protocol (docs/protocol.md "Forbidden starts"). */
function forbidden(h: Buffer): boolean {
  if (h[0] === 0xef) return true;
  const word = h.readUInt32BE(0);
  if (word === 0x44414548 || word === 0x54534f50 || word === 0x20544547 || word === 0x4954504f || word === 0x20545550) return true; // HEAD POST GET OPTI PUT
  if (word === 0x16030102 || word === 0xdddddddd || word === 0xeeeeeeee) return true;
  return h.readUInt32BE(4) === 0;
}

/** A header towards a DC carrying the client's tag and DC id, and the proxy's streams on that link. */
export function dcHeader(tail: Buffer): CtrPair & { header: Buffer } {
  let header: Buffer;
  do header = randomBytes(HEADER_LENGTH);
  while (forbidden(header));
  tail.copy(header, 56);
  const { initiator, plain } = pairFor(header, undefined);
  plain.copy(header, 56, 56, 64);
  return { header, ...initiator };
}
