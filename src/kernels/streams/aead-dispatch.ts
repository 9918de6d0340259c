/**
 * An Aead that picks a backend per message: AEAD messages carry their own key and nonce, so choosing per size
 * is free (docs/kernels.md "The prior"). The registry publishes its choice rows (one backend per size
 * class, seal and open apart) on a ChoiceBoard and bumps the board's generation whenever it recomputes them,
 * so a swap or recalibration applies to the next message.
 *
 * A 64-byte WASM seal takes ≈ 0.35 µs and the automatic choice must stay within 10 % of the backend it picks,
 * so the common case is one comparison of the length against the first run of same-backend size classes, one
 * generation check and one call. Everything else (a larger size, a changed generation, a destroyed object)
 * goes through the slow path, which refreshes the cached backends and looks up the size class.
 *
 *   seal(pt):  pt.length <= sealFastMax  and generation unchanged → sealFast.seal(...)
 *              otherwise                                          → slow(): refresh, class lookup, cached Aead
 */
import type { AeadAlgorithm, Aead, Algorithm, BackendName } from '../types.js';
import { SIZE_CLASSES } from '../types.js';
import { KernelDestroyedError, KernelUnsupportedError } from '../errors.js';
import { TAG_LENGTH } from '../validate.js';
import { sizeClassIndex } from '../choose/costs.js';

export interface ChoiceRows {
  seal: readonly BackendName[];
  open: readonly BackendName[];
}

/** The registry's current AEAD choices; `generation` changes whenever any row does. */
export interface ChoiceBoard {
  generation: number;
  readonly rows: Map<Algorithm, ChoiceRows>;
}

/** A destroyed or stale dispatcher compares against this, so every call takes the slow path. */
const NEVER = -1;

/** The largest message length served by row[0]'s backend through an unbroken run of classes from the first. */
function firstRunMax(row: readonly BackendName[]): number {
  let i = 0;
  while (i + 1 < row.length && row[i + 1] === row[0]) i++;
  return i === row.length - 1 ? Infinity : SIZE_CLASSES[i]!;
}

export class DispatchAead implements Aead {
  private readonly byBackend = new Map<BackendName, Aead>();
  private generation = NEVER;
  private sealFast: Aead | undefined;
  private sealFastMax = NEVER;
  private openFast: Aead | undefined;
  /** In sealed bytes (plaintext + tag). */
  private openFastMax = NEVER;
  private sealByClass: Array<Aead | undefined> = [];
  private openByClass: Array<Aead | undefined> = [];
  private sealRow: readonly BackendName[] = [];
  private openRow: readonly BackendName[] = [];
  private destroyed = false;

  constructor(
    private readonly alg: AeadAlgorithm,
    private readonly board: ChoiceBoard,
    private readonly create: (backend: BackendName) => Aead,
  ) {
    this.refresh();
  }

  seal(key: Uint8Array, nonce: Uint8Array, plaintext: Uint8Array, aad?: Uint8Array): Uint8Array {
    if (plaintext.length <= this.sealFastMax && this.generation === this.board.generation) {
      return this.sealFast!.seal(key, nonce, plaintext, aad);
    }
    return this.sealSlow(key, nonce, plaintext, aad);
  }

  open(key: Uint8Array, nonce: Uint8Array, sealed: Uint8Array, aad?: Uint8Array): Uint8Array {
    if (sealed.length <= this.openFastMax && this.generation === this.board.generation) {
      return this.openFast!.open(key, nonce, sealed, aad);
    }
    return this.openSlow(key, nonce, sealed, aad);
  }

  destroy(): void {
    this.destroyed = true;
    this.generation = NEVER;
    this.sealFastMax = this.openFastMax = NEVER;
    this.sealFast = this.openFast = undefined;
    for (const aead of this.byBackend.values()) aead.destroy();
    this.byBackend.clear();
    this.sealByClass = [];
    this.openByClass = [];
  }

  private sealSlow(key: Uint8Array, nonce: Uint8Array, plaintext: Uint8Array, aad?: Uint8Array): Uint8Array {
    this.ensureFresh();
    const i = sizeClassIndex(plaintext.length);
    const aead = this.sealByClass[i] ?? (this.sealByClass[i] = this.instance(this.sealRow[i]!));
    return aead.seal(key, nonce, plaintext, aad);
  }

  private openSlow(key: Uint8Array, nonce: Uint8Array, sealed: Uint8Array, aad?: Uint8Array): Uint8Array {
    this.ensureFresh();
    const i = sizeClassIndex(Math.max(0, sealed.length - TAG_LENGTH));
    const aead = this.openByClass[i] ?? (this.openByClass[i] = this.instance(this.openRow[i]!));
    return aead.open(key, nonce, sealed, aad);
  }

  private ensureFresh(): void {
    if (this.destroyed) throw new KernelDestroyedError(this.alg);
    if (this.generation !== this.board.generation) this.refresh();
  }

  /** Re-reads the rows and re-caches the backends (instances already made are kept for reuse). */
  private refresh(): void {
    const rows = this.board.rows.get(this.alg);
    if (rows === undefined || rows.seal.length === 0) throw new KernelUnsupportedError(`no backend passed its self-tests for ${this.alg}`);
    this.sealRow = rows.seal;
    this.openRow = rows.open;
    this.sealByClass = [];
    this.openByClass = [];
    this.sealFast = this.instance(rows.seal[0]!);
    this.openFast = this.instance(rows.open[0]!);
    this.sealFastMax = firstRunMax(rows.seal);
    this.openFastMax = firstRunMax(rows.open) + TAG_LENGTH;
    this.generation = this.board.generation;
  }

  private instance(name: BackendName): Aead {
    let aead = this.byBackend.get(name);
    if (aead === undefined) this.byBackend.set(name, (aead = this.create(name)));
    return aead;
  }
}
