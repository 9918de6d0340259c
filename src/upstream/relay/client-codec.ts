/**
 * The relay entry's codec: only the client side of obfuscated2 (docs/protocol.md "Relay tunnel"). The tunnel
 * carries the client's de-obfuscated MTProto transport stream; the exit does the DC side.
 *
 *   up   (client → tunnel):  decrypt(client read key)
 *   down (tunnel → client):  encrypt(client write key)
 * In place on the chunk where the backend can (as src/upstream/direct/codec.ts); the tunnel's record layer
 * copies into its own frame, so the chunk may be reused after the write.
 */
import type { StreamCipher } from '../../kernels/types.js';
import type { CryptoCounts, RelayCodec } from '../types.js';

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
