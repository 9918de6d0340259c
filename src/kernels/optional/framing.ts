/**
 * An optional kernel, off the proxy's live path (docs/kernels.md "Optional kernel: framing scanners"): the JS
 * face of the framing exports (assembly/framing/, docs/kernel-abi.md "framing"): frameScan, frameEncode,
 * tlsSplit, tlsJoin over a private instance of build/mtshield.wasm or build/mtshield-simd.wasm. The proxy uses
 * the TypeScript codecs (src/protocol/framing.ts, tls-records.ts), faster for its traffic; this serves the
 * protocol tests (which check both agree), the benchmark's framing cases and, later, middle-proxy RPC framing.
 *
 * Memory map of the private instance (256 pages, fixed):
 *   heapBase() ………… data window (WINDOW bytes) | scan output (MAX_ENTRIES × 16 bytes) | end of memory
 * Input is copied into the window, the kernel works in place, results are copied out (payloads come back as
 * views into the caller's input, located by the offsets the kernel reports). Kernel statuses -6 / -7 become
 * the protocol layer's typed errors (FramingError, TlsError); any other negative status a KernelError.
 */
import { readFileSync } from 'node:fs';
import { FramingError, TlsError } from '../../protocol/errors.js';
import type { Frame, FramingKind } from '../../protocol/framing.js';
import { MAX_RECORD_PAYLOAD } from '../../protocol/tls-records.js';
import { packagePath } from '../../util/paths.js';
import { KernelBadLengthError } from '../errors.js';
import { Wasm, type WasmInstance, type WasmMemory } from '../wasm/api.js';
import { statusError } from '../wasm/status.js';

const KIND_CODE: Record<FramingKind, number> = { abridged: 0, intermediate: 1, padded: 2 };
/** Largest input processed in one kernel call, and so the largest frame the kernel path can scan. */
export const WINDOW = 4 * 1024 * 1024;
const MAX_ENTRIES = 65536;
const FRAME_TOO_LARGE = -6;
const BAD_FRAME = -7;

type Fn = (...args: number[]) => number;

export interface ScanResult {
  readonly frames: Frame[];
  /** Bytes of `data` covered by the complete frames; the rest is an incomplete tail. */
  readonly consumed: number;
}

export interface SplitResult {
  readonly payloads: Uint8Array[];
  readonly consumed: number;
}

export interface FramingKernel {
  readonly build: 'wasm' | 'wasm-simd';
  scanFrames(kind: FramingKind, data: Uint8Array, maxFrameLength?: number): ScanResult;
  encodeFrame(kind: FramingKind, payload: Uint8Array, options?: { padding?: Uint8Array; quickAck?: boolean }): Uint8Array;
  splitRecords(data: Uint8Array): SplitResult;
  joinRecords(payload: Uint8Array, maxPayload?: number): Uint8Array;
}

class WasmFramingKernel implements FramingKernel {
  private readonly mem: Uint8Array;
  private readonly dv: DataView;
  private readonly data: number;
  private readonly out: number;
  private readonly scan: Fn;
  private readonly encode: Fn;
  private readonly split: Fn;
  private readonly join: Fn;

  constructor(
    readonly build: 'wasm' | 'wasm-simd',
    instance: WasmInstance,
  ) {
    const ex = instance.exports;
    const memory = ex.memory as WasmMemory;
    this.mem = new Uint8Array(memory.buffer); // memory never grows (kernel ABI), so the view stays valid
    this.dv = new DataView(memory.buffer);
    this.data = ((ex.heapBase as Fn)() + 63) & ~63;
    this.out = this.data + WINDOW;
    if (this.out + MAX_ENTRIES * 16 > this.mem.length) throw new KernelBadLengthError('framing: kernel memory too small');
    this.scan = ex.frameScan as Fn;
    this.encode = ex.frameEncode as Fn;
    this.split = ex.tlsSplit as Fn;
    this.join = ex.tlsJoin as Fn;
    for (const f of [this.scan, this.encode, this.split, this.join]) {
      if (typeof f !== 'function') throw new KernelBadLengthError('framing: kernel build lacks the framing exports');
    }
  }

  scanFrames(kind: FramingKind, data: Uint8Array, maxFrameLength = WINDOW - 4): ScanResult {
    const code = KIND_CODE[kind];
    if (code === undefined) throw new FramingError('ERR_PROTOCOL_FRAME_BAD', 'unknown framing');
    const limit = Math.min(maxFrameLength, WINDOW - 4);
    const frames: Frame[] = [];
    let at = 0;
    while (at < data.length) {
      const n = Math.min(WINDOW, data.length - at);
      this.mem.set(data.subarray(at, at + n), this.data);
      const count = this.scan(code, this.data, n, this.out, MAX_ENTRIES, limit);
      if (count === FRAME_TOO_LARGE) throw new FramingError('ERR_PROTOCOL_FRAME_TOO_LARGE', `frame exceeds ${limit} bytes`);
      if (count < 0) throw statusError(count, 'frameScan');
      if (count === 0) break;
      let end = 0;
      for (let i = 0; i < count; i++) {
        const e = this.out + i * 16;
        const payloadAt = this.dv.getUint32(e + 4, true);
        const length = this.dv.getUint32(e + 8, true);
        const keep = kind === 'padded' ? length - (length % 4) : length;
        const start = at + payloadAt;
        const quickAck = (this.dv.getUint32(e + 12, true) & 1) === 1;
        frames.push({ type: 'data', payload: data.subarray(start, start + keep), quickAck });
        end = payloadAt + length;
      }
      at += end;
      if (count < MAX_ENTRIES && n === data.length - at + end) break; // the window held everything left
    }
    return { frames, consumed: at };
  }

  encodeFrame(kind: FramingKind, payload: Uint8Array, options: { padding?: Uint8Array; quickAck?: boolean } = {}): Uint8Array {
    const code = KIND_CODE[kind];
    if (code === undefined) throw new FramingError('ERR_PROTOCOL_FRAME_BAD', 'unknown framing');
    const pad = options.padding ?? new Uint8Array(0);
    if (payload.length + pad.length + 4 > WINDOW) throw new FramingError('ERR_PROTOCOL_FRAME_TOO_LARGE', 'payload exceeds the kernel window');
    this.mem.set(payload, this.data);
    this.mem.set(pad, this.data + payload.length);
    // Encode in place: the kernel moves the body up by the header size.
    const written = this.encode(code, this.data, payload.length, this.data, pad.length);
    if (written === FRAME_TOO_LARGE) throw new FramingError('ERR_PROTOCOL_FRAME_TOO_LARGE', 'payload too large for the framing');
    if (written < 0) {
      if (written === -3) {
        const code = pad.length > 15 ? 'ERR_PROTOCOL_FRAME_PADDING' : 'ERR_PROTOCOL_FRAME_BAD';
        throw new FramingError(code, 'frameEncode refused the length or padding');
      }
      throw statusError(written, 'frameEncode');
    }
    const out = this.mem.slice(this.data, this.data + written);
    if (options.quickAck) out[kind === 'abridged' ? 0 : 3]! |= 0x80;
    return out;
  }

  splitRecords(data: Uint8Array): SplitResult {
    const payloads: Uint8Array[] = [];
    let at = 0;
    while (at < data.length) {
      const n = Math.min(WINDOW, data.length - at);
      this.mem.set(data.subarray(at, at + n), this.data);
      const count = this.split(this.data, n, this.out, MAX_ENTRIES * 2);
      if (count === BAD_FRAME) throw new TlsError('ERR_PROTOCOL_TLS_RECORD_TYPE', 'a record other than 17 03 03 application data');
      if (count === FRAME_TOO_LARGE) throw new TlsError('ERR_PROTOCOL_TLS_RECORD_TOO_LARGE', 'record above 16 640 bytes');
      if (count < 0) throw statusError(count, 'tlsSplit');
      if (count === 0) break;
      let end = 0;
      for (let i = 0; i < count; i++) {
        const e = this.out + i * 8;
        const payloadAt = this.dv.getUint32(e, true);
        const length = this.dv.getUint32(e + 4, true);
        if (length > 0) payloads.push(data.subarray(at + payloadAt, at + payloadAt + length));
        end = payloadAt + length;
      }
      at += end;
    }
    return { payloads, consumed: at };
  }

  joinRecords(payload: Uint8Array, maxPayload = MAX_RECORD_PAYLOAD): Uint8Array {
    const records = Math.ceil(payload.length / Math.max(1, maxPayload));
    if (payload.length + records * 5 > WINDOW) throw new TlsError('ERR_PROTOCOL_TLS_RECORD_TOO_LARGE', 'payload exceeds the kernel window');
    this.mem.set(payload, this.data);
    const written = this.join(this.data, payload.length, this.data, maxPayload);
    if (written === -3) throw new TlsError('ERR_PROTOCOL_TLS_RECORD_TOO_LARGE', `record payload limit must be 1..${MAX_RECORD_PAYLOAD}`);
    if (written < 0) throw statusError(written, 'tlsJoin');
    return this.mem.slice(this.data, this.data + written);
  }
}

export interface LoadFramingOptions {
  /** Use the SIMD build (default: true when the runtime validates it). */
  readonly simd?: boolean;
  /** Explicit .wasm path (tests of a specific build). */
  readonly path?: string;
}

function simdSupported(): boolean {
  // The smallest module using a v128 constant: valid only where SIMD is supported.
  const probe = Uint8Array.of(
    ...[0, 97, 115, 109, 1, 0, 0, 0], // magic, version
    ...[1, 5, 1, 96, 0, 1, 123], // type: () -> v128
    ...[3, 2, 1, 0], // one function
    ...[10, 22, 1, 20, 0, 253, 12, ...new Array<number>(16).fill(0), 11], // body: v128.const 0
  );
  return Wasm.validate(probe);
}

/** Instantiates a private copy of a kernel build for framing work (synchronous: small module). */
export function loadFramingKernel(options: LoadFramingOptions = {}): FramingKernel {
  const simd = options.simd ?? simdSupported();
  const path = options.path ?? packagePath('build', simd ? 'mtshield-simd.wasm' : 'mtshield.wasm');
  const module = new Wasm.Module(readFileSync(path));
  const instance = new Wasm.Instance(module, {});
  return new WasmFramingKernel(simd ? 'wasm-simd' : 'wasm', instance);
}
