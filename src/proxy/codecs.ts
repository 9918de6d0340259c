/**
 * Relay codecs for a client spoken to in obfuscated2 (optionally inside fake-TLS records) and a DC spoken
 * to in obfuscated2 without a secret. [wire.md "Proxy → DC"]
 *
 *   up   (client → DC):  decrypt(client read key) → encrypt(DC write key)
 *   down (DC → client):  decrypt(DC read key) → encrypt(client write key)
 *                        fast mode: the DC already encrypts with the client's key → no AES at all
 * All AES work is in place on the chunk the socket handed over. Counters feed the `packets` event.
 */
import type { StreamCipher } from './cipher.js';
import type { RelayCodec } from './relay.js';

/** Chunks passed through a cipher, per direction; the server reports deltas as `packets` events. */
export const cryptoCounters = { encrypted: 0, decrypted: 0 };

export class ObfuscatedCodec implements RelayCodec {
  constructor(
    private readonly clientDecrypt: StreamCipher,
    private readonly clientEncrypt: StreamCipher | undefined,
    private readonly dcDecrypt: StreamCipher | undefined,
    private readonly dcEncrypt: StreamCipher,
  ) {}

  up(chunk: Buffer | Uint8Array): Uint8Array {
    this.clientDecrypt.update(chunk, chunk);
    this.dcEncrypt.update(chunk, chunk);
    cryptoCounters.decrypted++;
    return chunk;
  }

  down(chunk: Buffer | Uint8Array): Uint8Array {
    if (this.dcDecrypt && this.clientEncrypt) {
      this.dcDecrypt.update(chunk, chunk);
      this.clientEncrypt.update(chunk, chunk);
      cryptoCounters.encrypted++;
    }
    return chunk;
  }

  destroy(): void {
    this.clientDecrypt.destroy();
    this.clientEncrypt?.destroy();
    this.dcDecrypt?.destroy();
    this.dcEncrypt.destroy();
  }
}
