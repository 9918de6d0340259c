/**
 * The client side of obfuscated2 alone (docs/protocol.md "Key derivation"), for upstreams that carry the client's
 * de-obfuscated MTProto transport stream instead of re-encrypting it for a DC: middle mode (the stream is framed
 * into RPC packets) and the relay entry (the tunnel carries it; the exit does the DC side).
 *
 *   up   (client → upstream):  decrypt(client read key)
 *   down (upstream → client):  encrypt(client write key)
 * In place on the chunk where the backend can (as src/upstream/direct/codec.ts); chunks are counted in the
 * server's CryptoCounts.
 */
import type { StreamCipher } from '../kernels/types.js';
import type { CryptoCounts, RelayCodec } from './types.js';

export class ClientSideCodec implements RelayCodec {
  constructor(
    private readonly counts: CryptoCounts,
    private readonly clientDecrypt: StreamCipher,
    private readonly clientEncrypt: StreamCipher,
  ) {}

  up(chunk: Uint8Array): Uint8Array {
    this.counts.decrypted++;
    return this.clientDecrypt.transform(chunk);
  }

  down(chunk: Uint8Array): Uint8Array {
    this.counts.encrypted++;
    return this.clientEncrypt.transform(chunk);
  }

  release(): void {
    this.clientDecrypt.release();
    this.clientEncrypt.release();
  }

  destroy(): void {
    this.clientDecrypt.destroy();
    this.clientEncrypt.destroy();
  }
}
