/**
 * Middle mode's codec: the client's obfuscated2 layer only (docs/protocol.md "Obfuscated2"). Up: the client's
 * bytes decrypted into its plaintext transport stream, which MiddleClientEndpoint frames into RPC packets; down:
 * the re-framed answers encrypted with the client's key. The link's own AES-256-CBC is in rpc-channel.ts.
 * AES work is in place where the backend can (WASM); chunks are counted in the server's CryptoCounts.
 */
import type { StreamCipher } from '../../kernels/types.js';
import type { CryptoCounts, RelayCodec } from '../types.js';

export class MiddleCodec implements RelayCodec {
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
