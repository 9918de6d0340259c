/**
 * Relay codecs for a client spoken to in obfuscated2 (optionally inside fake-TLS records) and a DC spoken
 * to in obfuscated2 without a secret. [wire.md "Proxy → DC"]
 *
 *   up   (client → DC):  decrypt(client read key) → encrypt(DC write key)
 *   down (DC → client):  decrypt(DC read key) → encrypt(client write key)
 *                        fast mode: the DC already encrypts with the client's key → no AES at all
 * AES work is in place on the chunk the socket handed over where the backend can (WASM), else into the
 * backend's own fresh output (node:crypto), never copied back. Counters feed the `packets` event.
 */
import { transform, type StreamCipher } from './cipher.js';
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
    cryptoCounters.decrypted++;
    return transform(this.dcEncrypt, transform(this.clientDecrypt, chunk));
  }

  down(chunk: Buffer | Uint8Array): Uint8Array {
    if (!this.dcDecrypt || !this.clientEncrypt) return chunk;
    cryptoCounters.encrypted++;
    return transform(this.clientEncrypt, transform(this.dcDecrypt, chunk));
  }

  /** The connection went quiet: let the streams drop their cipher contexts until the next bytes. */
  release(): void {
    this.clientDecrypt.release?.();
    this.clientEncrypt?.release?.();
    this.dcDecrypt?.release?.();
    this.dcEncrypt.release?.();
  }

  destroy(): void {
    this.clientDecrypt.destroy();
    this.clientEncrypt?.destroy();
    this.dcDecrypt?.destroy();
    this.dcEncrypt.destroy();
  }
}
