/**
 * The kernel registry (docs/contracts.md "Kernel registry", docs/kernels.md): usable backends per algorithm,
 * the choice per algorithm and message-size class, and factories for streams and AEADs that honour it.
 *
 *   entries: backend name → { backend, build, self-test result per algorithm }
 *   costs:   algorithm → backend → ns per op at SIZE_CLASSES (calibrated, cached or prior)
 *   chosen:  algorithm → size class → backend   (forced backends win when usable)
 *
 * Every choice is read at call time, so swap() (swap.ts) and recalibration apply to new streams at once while
 * existing streams keep the instance they were created on.
 */
import type { Logger } from 'pino';
import type {
  AeadAlgorithm,
  Aead,
  Algorithm,
  BackendName,
  CbcCipher,
  CbcDirection,
  CostTable,
  KernelStatus,
  StreamCipher,
  SwapResult,
} from './types.js';
import { AEAD_ALGORITHMS, ALGORITHMS, BACKEND_NAMES, SIZE_CLASSES } from './types.js';
import { KernelUnsupportedError } from './errors.js';
import { costAt, costRow, sizeClassIndex } from './choose/costs.js';
import { AdaptiveCtr, planAdaptive, type AdaptivePlan } from './streams/adaptive-ctr.js';
import { DispatchAead, type ChoiceBoard } from './streams/aead-dispatch.js';
import { AdaptiveCbc } from './streams/adaptive-cbc.js';
import { CbcByteCounts, type KernelBytesRow } from './streams/cbc-bytes.js';
import type { BackendEntry } from './verify/load.js';
import type { WasmBackend } from './wasm/backend.js';
import { wasmSimdSupported } from './wasm/build.js';
import { cpuInfo } from './choose/cpu.js';

export interface KernelRegistry {
  backends(alg: Algorithm): BackendName[];
  stream(alg: 'aes-256-ctr', key: Uint8Array, iv: Uint8Array, opts?: { backend?: BackendName }): StreamCipher;
  cbc(direction: CbcDirection, key: Uint8Array, iv: Uint8Array, opts?: { backend?: BackendName }): CbcCipher;
  aead(alg: AeadAlgorithm, opts?: { backend?: BackendName }): Aead;
  chosen(alg: Algorithm, size: number): BackendName;
  /** The backend AEAD open() or CBC decrypt uses for `size` bytes (calibrated apart from seal near break-even). */
  chosenOpen(alg: AeadAlgorithm | 'aes-256-cbc', size: number): BackendName;
  status(): KernelStatus;
  /**
   * Swaps in a .wasm build whose hash is one of the configured pins (`LoadKernelsOptions.pinnedSha256`, else
   * the shipped builds). `expectSha256` can only narrow that list, never widen it; `root` confines the path.
   */
  swap(wasmPath: string, opts?: SwapOptions): Promise<SwapResult>;
  /** Measures again now (blocks for up to `budgetMs`, default 250), updates the choices and the cache. */
  recalibrate(budgetMs?: number): KernelStatus['calibration'];
  /** Bytes through the CBC ciphers cbc() handed out, per backend and direction (the metrics). */
  cbcBytes?(): KernelBytesRow[];
}

export interface RegistryState {
  entries: Map<BackendName, BackendEntry>;
  costs: CostTable;
  /** AEAD open costs where calibration timed them apart (calibrate.ts phase 4); else `costs`. */
  openCosts?: CostTable;
  nativeCtrSwitchNs: number;
  calibration: KernelStatus['calibration'];
  forced: Partial<Record<Algorithm, BackendName>>;
  pinned: string[];
  logger: Logger;
}

export interface SwapOptions {
  /** The caller's own hash list: the build must be in it AND in the configured pins. */
  expectSha256?: string[];
  /** A directory the build's resolved path (symlinks followed) must stay inside. */
  root?: string;
}

export type Swapper = (registry: Registry, wasmPath: string, pinned: string[], root?: string) => Promise<SwapResult>;

/** Runs a calibration with the given budget and returns the new costs (index.ts: measure + write cache). */
export type Recalibrator = (registry: Registry, budgetMs: number) => { costs: CostTable; nativeCtrSwitchNs: number };

export class Registry implements KernelRegistry {
  private chosenTable = new Map<Algorithm, BackendName[]>();
  private chosenOpenTable = new Map<Algorithm, BackendName[]>();
  /** Seal and open rows per AEAD; the generation moves on every recompute (DispatchAead re-reads then). */
  private readonly choiceBoard: ChoiceBoard = { generation: 0, rows: new Map() };
  private adaptivePlan: AdaptivePlan | undefined;
  private readonly cbcCounts = new CbcByteCounts();

  constructor(
    readonly state: RegistryState,
    private readonly swapper: Swapper,
    private readonly recalibrator?: Recalibrator,
  ) {
    this.recompute();
  }

  usable(alg: Algorithm, name: BackendName): boolean {
    const entry = this.state.entries.get(name);
    return entry?.backend !== undefined && entry.results[alg].state === 'ok';
  }

  backends(alg: Algorithm): BackendName[] {
    return BACKEND_NAMES.filter((name) => this.usable(alg, name));
  }

  chosen(alg: Algorithm, size: number): BackendName {
    const row = this.chosenTable.get(alg);
    const name = row?.[sizeClassIndex(size)];
    if (name === undefined) throw new KernelUnsupportedError(`no backend passed its self-tests for ${alg}`);
    return name;
  }

  /** The backend AEAD open() uses for `size` bytes (differs from chosen() only where open was timed apart). */
  chosenOpen(alg: AeadAlgorithm | 'aes-256-cbc', size: number): BackendName {
    return this.chosenOpenTable.get(alg)?.[sizeClassIndex(size)] ?? this.chosen(alg, size);
  }

  stream(alg: 'aes-256-ctr', key: Uint8Array, iv: Uint8Array, opts?: { backend?: BackendName }): StreamCipher {
    if (alg !== 'aes-256-ctr') throw new KernelUnsupportedError(`stream() serves aes-256-ctr, not ${String(alg)}`);
    if (opts?.backend !== undefined) return this.require(alg, opts.backend).ctr(key, iv);
    const plan = this.adaptivePlan;
    if (plan !== undefined) {
      const small = this.chosen(alg, SIZE_CLASSES[0]!);
      return new AdaptiveCtr(this.state.entries.get(small)!.backend as WasmBackend, plan, key, iv);
    }
    return this.require(alg, this.chosen(alg, 4096)).ctr(key, iv);
  }

  cbc(direction: CbcDirection, key: Uint8Array, iv: Uint8Array, opts?: { backend?: BackendName }): CbcCipher {
    const alg = 'aes-256-cbc';
    if (opts?.backend !== undefined) return this.require(alg, opts.backend).cbc(direction, key, iv);
    const row = [...(this.chosenTable.get(alg) ?? []), ...(this.chosenOpenTable.get(alg) ?? [])];
    const create = (name: BackendName, d: CbcDirection, k: Uint8Array, v: Uint8Array) => this.require(alg, name).cbc(d, k, v);
    // one backend for every size: a constant pick (the adaptive wrapper still counts the bytes for the metrics)
    if (new Set(row).size <= 1) {
      const only = this.chosen(alg, 4096);
      return new AdaptiveCbc(direction, key, iv, () => only, create, this.cbcCounts);
    }
    // the choice differs by size: carry the IV across backends (adaptive-cbc.ts)
    return new AdaptiveCbc(direction, key, iv, (size, current) => this.pickCbc(size, current, direction), create, this.cbcCounts);
  }

  /** Bytes through the CBC ciphers this registry handed out, per backend and direction (the metrics). */
  cbcBytes(): KernelBytesRow[] {
    return this.cbcCounts.rows();
  }

  /**
   * The backend for a CBC update of `size` bytes: the size's choice, unless the cipher is on another usable
   * backend and the saving at this size does not pay for re-creating the cipher there (native: the measured
   * cost of a fresh node:crypto cipher; WASM: a key schedule, ≈ 0.3 µs), so alternating sizes do not thrash.
   */
  pickCbc(size: number, current: BackendName | undefined, direction: CbcDirection = 'encrypt'): BackendName {
    const alg = 'aes-256-cbc';
    const decrypt = direction === 'decrypt';
    const table = decrypt ? this.chosenOpenTable : this.chosenTable;
    const target = table.get(alg)?.[sizeClassIndex(size)] ?? this.chosen(alg, size);
    if (current === target || current === undefined || !this.usable(alg, current)) return target;
    const switchNs = target === 'native' ? this.state.nativeCtrSwitchNs : 300;
    const costs = (decrypt ? this.state.openCosts : undefined) ?? this.state.costs;
    const saving = costAt(costRow(costs, alg, current)!, size) - costAt(costRow(costs, alg, target)!, size);
    return saving > switchNs ? target : current;
  }

  aead(alg: AeadAlgorithm, opts?: { backend?: BackendName }): Aead {
    if (!AEAD_ALGORITHMS.includes(alg)) throw new KernelUnsupportedError(`unknown AEAD ${String(alg)}`);
    if (opts?.backend !== undefined) return this.require(alg, opts.backend).aead(alg);
    this.chosen(alg, 0); // throws early when nothing serves alg
    return new DispatchAead(alg, this.choiceBoard, (name) => this.require(alg, name).aead(alg));
  }

  swap(wasmPath: string, opts?: SwapOptions): Promise<SwapResult> {
    const expected = opts?.expectSha256?.map((h) => h.toLowerCase());
    const pinned = expected ? this.state.pinned.filter((h) => expected.includes(h.toLowerCase())) : this.state.pinned;
    return this.swapper(this, wasmPath, pinned, opts?.root);
  }

  recalibrate(budgetMs = 250): KernelStatus['calibration'] {
    if (this.recalibrator === undefined) throw new KernelUnsupportedError('this registry was built without calibration support');
    const measured = this.recalibrator(this, budgetMs);
    this.state.nativeCtrSwitchNs = measured.nativeCtrSwitchNs;
    this.state.costs = measured.costs;
    this.recompute();
    return this.state.calibration;
  }

  /** Replaces a backend entry (swap) and recomputes choices; old streams keep their instances. */
  install(entry: BackendEntry, costs?: CostTable): void {
    this.state.entries.set(entry.name, entry);
    if (costs !== undefined) this.state.costs = costs;
    this.recompute();
  }

  status(): KernelStatus {
    const chosen = {} as KernelStatus['chosen'];
    for (const alg of ALGORITHMS) {
      const row: Record<string, BackendName> = {};
      const table = this.chosenTable.get(alg);
      SIZE_CLASSES.forEach((size, i) => {
        if (table?.[i] !== undefined) row[String(size)] = table[i]!;
      });
      chosen[alg] = row;
    }
    const costs: CostTable = {};
    for (const alg of ALGORITHMS) {
      costs[alg] = {};
      for (const name of this.backends(alg)) costs[alg]![name] = costRow(this.state.costs, alg, name);
    }
    return {
      cpu: cpuInfo(),
      wasmSimd: wasmSimdSupported(),
      backends: BACKEND_NAMES.filter((n) => this.state.entries.has(n)).map((n) => {
        const e = this.state.entries.get(n)!;
        return { name: n, sha256: e.build?.sha256, path: e.path, algorithms: e.results };
      }),
      chosen,
      chosenOpen: Object.fromEntries(
        [...AEAD_ALGORITHMS, 'aes-256-cbc' as const].filter((alg) => this.chosenTable.get(alg)?.length).map((alg) => [
          alg,
          Object.fromEntries(SIZE_CLASSES.map((size, i) => [String(size), this.chosenOpenTable.get(alg)?.[i] ?? this.chosen(alg, size)])),
        ]),
      ),
      costs,
      calibration: this.state.calibration,
      adaptiveCtr: this.adaptivePlan ? { wasm: this.chosen('aes-256-ctr', SIZE_CLASSES[0]!), nativeSwitchNs: this.state.nativeCtrSwitchNs } : undefined,
      forced: { ...this.state.forced },
    };
  }

  private require(alg: Algorithm, name: BackendName) {
    const entry = this.state.entries.get(name);
    if (entry?.backend === undefined || !this.usable(alg, name)) {
      const why = entry?.results[alg]?.detail ?? 'not loaded';
      throw new KernelUnsupportedError(`backend ${name} cannot serve ${alg} (${entry?.results[alg]?.state ?? 'absent'}: ${why})`);
    }
    return entry.backend;
  }

  private recompute(): void {
    this.chosenTable = this.choose(this.state.costs, true);
    this.chosenOpenTable = this.state.openCosts ? this.choose(this.state.openCosts, false) : this.chosenTable;
    for (const alg of AEAD_ALGORITHMS) {
      const seal = this.chosenTable.get(alg) ?? [];
      const open = this.chosenOpenTable.get(alg);
      this.choiceBoard.rows.set(alg, { seal, open: open !== undefined && open.length === seal.length ? open : seal });
    }
    this.choiceBoard.generation++;
    this.adaptivePlan = this.planCtr();
  }

  private choose(costs: CostTable, warn: boolean): Map<Algorithm, BackendName[]> {
    const { forced, logger } = this.state;
    const table = new Map<Algorithm, BackendName[]>();
    for (const alg of ALGORITHMS) {
      const usable = this.backends(alg);
      const row: BackendName[] = [];
      const force = forced[alg];
      if (warn && force !== undefined && !usable.includes(force)) {
        logger.warn({ alg, backend: force }, 'forced kernel backend is not usable; choosing automatically');
      }
      for (let i = 0; i < SIZE_CLASSES.length; i++) {
        if (force !== undefined && usable.includes(force)) {
          row.push(force);
          continue;
        }
        let best: BackendName | undefined;
        let bestCost = Infinity;
        for (const name of usable) {
          const c = costRow(costs, alg, name)?.[i] ?? Infinity;
          if (c < bestCost || best === undefined) [best, bestCost] = [name, c];
        }
        if (best !== undefined) row.push(best);
      }
      if (force === undefined || !usable.includes(force)) smoothChoices(row, (name, i) => costRow(costs, alg, name)?.[i] ?? Infinity, usable);
      table.set(alg, row);
    }
    return table;
  }

  /** An adaptive CTR plan when WASM wins small updates and native wins large ones (and nothing is forced). */
  private planCtr(): AdaptivePlan | undefined {
    const alg = 'aes-256-ctr';
    const row = this.chosenTable.get(alg);
    if (!row || row.length === 0 || this.state.forced[alg] !== undefined) return undefined;
    const small = row[0]!;
    const large = row[row.length - 1]!;
    if (!small.startsWith('wasm') || large !== 'native') return undefined;
    const wasmRow = costRow(this.state.costs, alg, small)!;
    const nativeRow = costRow(this.state.costs, alg, 'native')!;
    return planAdaptive((n) => costAt(wasmRow, n), (n) => costAt(nativeRow, n), this.state.nativeCtrSwitchNs);
  }

  /** The adaptive plan in force (undefined when streams use one backend). */
  get ctrPlan(): AdaptivePlan | undefined {
    return this.adaptivePlan;
  }
}

/** How much cheaper (measured) a backend must be to override the smoothing rules below. */
export const CLEAR_MARGIN = 1.25;

/**
 * Rules that keep noisy measurements from flipping choices (docs/kernels.md "Choice and calibration"):
 *   - scalar wasm never beats wasm-simd (same kernels, SIMD is a superset) unless clearly cheaper;
 *   - monotone in size: once native wins at a size class, it keeps winning at larger ones unless another
 *     backend is clearly cheaper there (native's fixed cost per call only amortises further with size).
 */
export function smoothChoices(row: BackendName[], cost: (name: BackendName, i: number) => number, usable: readonly BackendName[]): void {
  for (let i = 0; i < row.length; i++) {
    if (row[i] === 'wasm' && usable.includes('wasm-simd') && cost('wasm-simd', i) < cost('wasm', i) * CLEAR_MARGIN) row[i] = 'wasm-simd';
    if (i > 0 && row[i - 1] === 'native' && row[i] !== 'native' && cost(row[i]!, i) * CLEAR_MARGIN > cost('native', i)) row[i] = 'native';
  }
}
