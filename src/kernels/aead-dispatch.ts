/**
 * An Aead that picks a backend per message: AEAD messages carry their own key and nonce, so choosing per size
 * is free (crypto-baseline.md "What follows"). `rows()` returns the registry's current choice rows for seal and
 * open (one backend per size class); they are re-read on every call, so a swap or recalibration applies to the
 * next message. A 64-byte WASM seal takes ≈ 0.4 µs, so the dispatch itself must cost next to nothing: the
 * backend Aead per size class is cached until the row changes (the registry builds new rows on recompute).
 */
import type { AeadAlgorithm, Aead, BackendName } from './types.js';
import { KernelDestroyedError } from './errors.js';
import { TAG_LENGTH } from './validate.js';
import { sizeClassIndex } from './costs.js';

export interface ChoiceRows {
  seal: readonly BackendName[];
  open: readonly BackendName[];
}

export class DispatchAead implements Aead {
  private readonly byBackend = new Map<BackendName, Aead>();
  private sealRow: readonly BackendName[] | undefined;
  private openRow: readonly BackendName[] | undefined;
  private sealByClass: Array<Aead | undefined> = [];
  private openByClass: Array<Aead | undefined> = [];
  private destroyed = false;

  constructor(
    private readonly alg: AeadAlgorithm,
    private readonly rows: () => ChoiceRows,
    private readonly create: (backend: BackendName) => Aead,
  ) {}

  seal(key: Uint8Array, nonce: Uint8Array, plaintext: Uint8Array, aad?: Uint8Array): Uint8Array {
    if (this.destroyed) throw new KernelDestroyedError(this.alg);
    const row = this.rows().seal;
    if (row !== this.sealRow) [this.sealRow, this.sealByClass] = [row, []];
    const i = sizeClassIndex(plaintext.length);
    const aead = this.sealByClass[i] ?? (this.sealByClass[i] = this.instance(row[i]!));
    return aead.seal(key, nonce, plaintext, aad);
  }

  open(key: Uint8Array, nonce: Uint8Array, sealed: Uint8Array, aad?: Uint8Array): Uint8Array {
    if (this.destroyed) throw new KernelDestroyedError(this.alg);
    const row = this.rows().open;
    if (row !== this.openRow) [this.openRow, this.openByClass] = [row, []];
    const i = sizeClassIndex(Math.max(0, sealed.length - TAG_LENGTH));
    const aead = this.openByClass[i] ?? (this.openByClass[i] = this.instance(row[i]!));
    return aead.open(key, nonce, sealed, aad);
  }

  destroy(): void {
    this.destroyed = true;
    for (const aead of this.byBackend.values()) aead.destroy();
    this.byBackend.clear();
    this.sealByClass = [];
    this.openByClass = [];
  }

  private instance(name: BackendName): Aead {
    let aead = this.byBackend.get(name);
    if (aead === undefined) this.byBackend.set(name, (aead = this.create(name)));
    return aead;
  }
}
