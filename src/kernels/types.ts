/**
 * Public types of the kernel registry (`mtshield/kernels`). See docs/contracts.md "Kernel registry" and
 * docs/kernels.md. One interface per primitive; every backend (wasm-simd, wasm, native, js) implements them.
 */

export type Algorithm =
  | 'aes-256-ctr'
  | 'aes-256-cbc'
  | 'chacha20-poly1305'
  | 'xchacha20-poly1305'
  | 'aes-128-gcm'
  | 'aes-256-gcm';

export type AeadAlgorithm = 'chacha20-poly1305' | 'xchacha20-poly1305' | 'aes-128-gcm' | 'aes-256-gcm';

export type BackendName = 'wasm-simd' | 'wasm' | 'native' | 'js';

export const ALGORITHMS: readonly Algorithm[] = [
  'aes-256-ctr',
  'aes-256-cbc',
  'chacha20-poly1305',
  'xchacha20-poly1305',
  'aes-128-gcm',
  'aes-256-gcm',
];

export const AEAD_ALGORITHMS: readonly AeadAlgorithm[] = [
  'chacha20-poly1305',
  'xchacha20-poly1305',
  'aes-128-gcm',
  'aes-256-gcm',
];

export const BACKEND_NAMES: readonly BackendName[] = ['wasm-simd', 'wasm', 'native', 'js'];

/** Message-size classes the registry calibrates and chooses for (bytes). */
export const SIZE_CLASSES: readonly number[] = [64, 256, 1024, 4096, 16384, 65536];

/** A keyed stream cipher (AES-256-CTR): XORs keystream, state carried across calls. */
export interface StreamCipher {
  /** Returns `data.length` bytes; writes into `out` when given (`out === data` works in place). */
  update(data: Uint8Array, out?: Uint8Array): Uint8Array;
  /**
   * Encrypts wherever is cheapest: in place, or into a fresh buffer when the backend cannot work in place (as
   * node:crypto cannot); the caller uses the result and no longer relies on `data`.
   */
  transform(data: Uint8Array): Uint8Array;
  /** Drops per-stream state that the next update can re-create (a no-op where there is none). */
  release(): void;
  /** Wipes the key material; any later call throws ERR_KERNEL_DESTROYED. */
  destroy(): void;
}

/** AES-256-CBC without padding, chained across calls; every update must be a multiple of 16 bytes. */
export interface CbcCipher {
  update(data: Uint8Array, out?: Uint8Array): Uint8Array;
  destroy(): void;
  /**
   * Copies the current chaining value (the IV of the next block) into `into`, where the backend can read it
   * back (WASM keeps it in the context; node:crypto does not expose it). Lets an adaptive cipher skip tracking it.
   */
  readChainingValue?(into: Uint8Array): void;
}

/** A stateless AEAD: each call carries its own key and nonce. Output of seal = ciphertext ‖ 16-byte tag. */
export interface Aead {
  seal(key: Uint8Array, nonce: Uint8Array, plaintext: Uint8Array, aad?: Uint8Array): Uint8Array;
  /** Throws ERR_KERNEL_AUTH_FAILED on a bad tag and releases no plaintext. */
  open(key: Uint8Array, nonce: Uint8Array, sealed: Uint8Array, aad?: Uint8Array): Uint8Array;
  /** Releases (and wipes) any kernel context held; later calls throw ERR_KERNEL_DESTROYED. */
  destroy(): void;
}

export type CbcDirection = 'encrypt' | 'decrypt';

/** What one backend offers. A method is absent when the backend does not implement that algorithm. */
export interface Backend {
  readonly name: BackendName;
  supports(alg: Algorithm): boolean;
  ctr(key: Uint8Array, iv: Uint8Array): StreamCipher;
  cbc(direction: CbcDirection, key: Uint8Array, iv: Uint8Array): CbcCipher;
  aead(alg: AeadAlgorithm): Aead;
}

export type SelfTestState = 'ok' | 'failed' | 'unavailable';

export interface SelfTestResult {
  state: SelfTestState;
  /** Why it failed or is unavailable (never contains key material). */
  detail?: string;
}

export interface BackendStatus {
  name: BackendName;
  /** SHA-256 of the .wasm build serving this backend (wasm backends only). */
  sha256?: string;
  path?: string;
  algorithms: Record<Algorithm, SelfTestResult>;
}

export interface KernelStatus {
  cpu: CpuInfo;
  wasmSimd: boolean;
  backends: BackendStatus[];
  /** Chosen backend per algorithm and size class (keys are SIZE_CLASSES as strings). */
  chosen: Record<Algorithm, Record<string, BackendName>>;
  /** Backend AEAD open() / CBC decrypt uses per size class (equals `chosen` except where timed apart). */
  chosenOpen?: Record<string, Record<string, BackendName>>;
  /** Per-op cost in nanoseconds per algorithm, backend and size class (calibrated or prior). */
  costs: CostTable;
  calibration: { source: 'cache' | 'measured' | 'prior'; file?: string; durationMs?: number };
  /** AES-256-CTR streams move between a WASM backend (small updates) and native (large) when this is set. */
  adaptiveCtr?: { wasm: BackendName; nativeSwitchNs: number };
  forced: Partial<Record<Algorithm, BackendName>>;
}

export interface CpuInfo {
  model: string;
  flags: string[];
  /** The features that matter for the kernels (aes, avx2, avx512f, vaes, pclmulqdq, vpclmulqdq, sse4_1, ssse3). */
  features: Record<string, boolean>;
  cores: number;
  arch: string;
}

/** ns per operation: costs[alg][backend][sizeClassIndex] */
export type CostTable = Partial<Record<Algorithm, Partial<Record<BackendName, number[]>>>>;

export interface SwapResult {
  ok: true;
  backend: 'wasm' | 'wasm-simd';
  sha256: string;
  previousSha256?: string;
  path: string;
  algorithms: Algorithm[];
}
