/**
 * The direct upstream's codec: a client spoken to in obfuscated2 and a DC spoken to in obfuscated2 without a
 * secret. (docs/protocol.md "Proxy → DC")
 *
 *   up   (client → DC):  decrypt(client read key) → encrypt(DC write key)
 *   down (DC → client):  decrypt(DC read key) → encrypt(client write key)
 *                        fast mode: the DC already encrypts with the client's key → no AES at all
 * A plaintext client (a relay exit's stream) has no client ciphers: only the DC side is applied.
 * AES work is in place on the chunk the socket handed over where the backend can (WASM), else into the
 * backend's own fresh output (node:crypto), never copied back. Chunks are counted in the server's CryptoCounts.
 */
import type { StreamCipher } from '../../kernels/types.js';
import type { CryptoCounts, RelayCodec } from '../types.js';

export class ObfuscatedCodec implements RelayCodec {
  constructor(
    private readonly counts: CryptoCounts,
    private readonly clientDecrypt: StreamCipher | undefined,
    private readonly clientEncrypt: StreamCipher | undefined,
    private readonly dcDecrypt: StreamCipher | undefined,
    private readonly dcEncrypt: StreamCipher,
  ) {}

  up(chunk: Uint8Array): Uint8Array {
    this.counts.decrypted++;
    return this.dcEncrypt.transform(this.clientDecrypt ? this.clientDecrypt.transform(chunk) : chunk);
  }

  down(chunk: Uint8Array): Uint8Array {
    if (!this.dcDecrypt) return chunk;
    this.counts.encrypted++;
    const plain = this.dcDecrypt.transform(chunk);
    return this.clientEncrypt ? this.clientEncrypt.transform(plain) : plain;
  }

  /** The connection went quiet: let the streams drop their cipher contexts until the next bytes. */
  release(): void {
    this.clientDecrypt?.release();
    this.clientEncrypt?.release();
    this.dcDecrypt?.release();
    this.dcEncrypt.release();
  }

  destroy(): void {
    this.clientDecrypt?.destroy();
    this.clientEncrypt?.destroy();
    this.dcDecrypt?.destroy();
    this.dcEncrypt.destroy();
  }
}
