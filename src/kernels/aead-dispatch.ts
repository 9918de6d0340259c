/**
 * An Aead that picks a backend per message: AEAD messages carry their own key and nonce, so choosing per size
 * is free (crypto-baseline.md "What follows"). `choose(size)` is the registry's current choice, read on every
 * call, so a swap or recalibration applies to the next message.
 */
import type { AeadAlgorithm, Aead, BackendName } from './types.js';
import { KernelDestroyedError } from './errors.js';
import { TAG_LENGTH } from './validate.js';

export class DispatchAead implements Aead {
  private readonly byBackend = new Map<BackendName, Aead>();
  private destroyed = false;

  constructor(
    private readonly alg: AeadAlgorithm,
    private readonly choose: (size: number) => BackendName,
    private readonly create: (backend: BackendName) => Aead,
  ) {}

  seal(key: Uint8Array, nonce: Uint8Array, plaintext: Uint8Array, aad?: Uint8Array): Uint8Array {
    return this.delegate(plaintext.length).seal(key, nonce, plaintext, aad);
  }

  open(key: Uint8Array, nonce: Uint8Array, sealed: Uint8Array, aad?: Uint8Array): Uint8Array {
    return this.delegate(Math.max(0, sealed.length - TAG_LENGTH)).open(key, nonce, sealed, aad);
  }

  destroy(): void {
    this.destroyed = true;
    for (const aead of this.byBackend.values()) aead.destroy();
    this.byBackend.clear();
  }

  private delegate(size: number): Aead {
    if (this.destroyed) throw new KernelDestroyedError(this.alg);
    const name = this.choose(size);
    let aead = this.byBackend.get(name);
    if (aead === undefined) this.byBackend.set(name, (aead = this.create(name)));
    return aead;
  }
}
