/**
 * Framing-scanner cases: the kernels behind src/kernels/optional/framing.ts (frameScan for abridged, intermediate
 * and padded intermediate; tlsSplit for `17 03 03` records — docs/kernel-abi.md "framing") in both builds,
 * against the TypeScript codecs of src/protocol (FrameDecoder, TlsRecordReader) as the `js` line.
 * Each case scans a buffer of about 64 KiB filled with complete frames whose payload is the case's size
 * (TLS records carry at most 16 384 bytes). Every backend must return exactly the payloads that were
 * encoded before it is timed.
 */
import { randomBytes } from 'node:crypto';
import { loadFramingKernel, type FramingKernel } from '../../src/kernels/optional/framing.js';
import { FrameDecoder, encodeFrame, type FramingKind } from '../../src/protocol/framing.js';
import { MAX_RECORD_PAYLOAD, TlsRecordReader, wrapRecords } from '../../src/protocol/tls-records.js';
import type { CaseResult } from './results.js';
import type { CaseIdentity, Slot } from './timer.js';

export interface FramingCase {
  kind: string;
  operation: string;
  backend: string;
  size: number;
  bytesPerOp: number;
  run(): void;
  /** Undefined when the backend returned exactly the encoded payloads; otherwise why not. */
  verify(): string | undefined;
}

const KINDS: FramingKind[] = ['abridged', 'intermediate', 'padded'];
const BUFFER_TARGET = 65_536;
/** Padded intermediate: 3 bytes of padding, which receivers strip (length % 4) without knowing it. */
const PADDING = 3;

export let framingSink: unknown;

export async function framingCases(sizes: number[]): Promise<FramingCase[]> {
  const kernels: Array<{ name: string; kernel: FramingKernel }> = [];
  for (const simd of [true, false]) {
    try {
      const kernel = loadFramingKernel({ simd });
      kernels.push({ name: kernel.build, kernel });
    } catch {
      /* that build is missing or lacks the framing exports: its cases are simply absent */
    }
  }
  const cases: FramingCase[] = [];
  for (const size of sizes) {
    for (const kind of KINDS) {
      const payloads = fill(size, 4 + size + PADDING);
      const buffer = concat(payloads.map((p) => encodeFrame(kind, p, kind === 'padded' ? { padding: PADDING } : {})));
      for (const { name, kernel } of kernels) {
        const run = () => kernel.scanFrames(kind, buffer).frames.map((f) => (f.type === 'data' ? f.payload : new Uint8Array(0)));
        cases.push(framingCase(kind, 'scan', name, size, buffer, run, payloads));
      }
      const decoder = new FrameDecoder(kind);
      const runJs = () => decoder.push(buffer).map((f) => (f.type === 'data' ? f.payload : new Uint8Array(0)));
      cases.push(framingCase(kind, 'scan', 'js', size, buffer, runJs, payloads));
    }
    const recordSize = Math.min(size, MAX_RECORD_PAYLOAD);
    const payloads = fill(recordSize, 5 + recordSize);
    const buffer = concat(payloads.map((p) => wrapRecords(p)));
    for (const { name, kernel } of kernels) {
      cases.push(framingCase('tls', 'split', name, recordSize, buffer, () => kernel.splitRecords(buffer).payloads, payloads));
    }
    const reader = new TlsRecordReader({ allowChangeCipherSpec: false });
    cases.push(framingCase('tls', 'split', 'js', recordSize, buffer, () => reader.push(buffer), payloads));
  }
  // 64 KiB and 16 KiB give the same TLS case (records are capped): keep one.
  const seen = new Set<string>();
  return cases.filter((c) => {
    const key = `${c.kind}|${c.backend}|${c.size}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

function framingCase(
  kind: string,
  operation: string,
  backend: string,
  size: number,
  buffer: Uint8Array,
  scan: () => Uint8Array[],
  expected: Uint8Array[],
): FramingCase {
  return {
    kind,
    operation,
    backend,
    size,
    bytesPerOp: buffer.length,
    run: () => {
      framingSink = scan();
    },
    verify: () => {
      try {
        const got = scan();
        if (got.length !== expected.length) return `${got.length} payloads instead of ${expected.length}`;
        for (let i = 0; i < got.length; i++) {
          if (Buffer.compare(got[i]!, expected[i]!) !== 0) return `payload ${i} differs`;
        }
        return undefined;
      } catch (err) {
        return `threw ${(err as Error).message}`;
      }
    },
  };
}

/** Random payloads of `size` bytes, as many as fit in about 64 KiB of encoded frames (at least one). */
function fill(size: number, encodedSize: number): Uint8Array[] {
  const count = Math.max(1, Math.floor(BUFFER_TARGET / encodedSize));
  return Array.from({ length: count }, () => new Uint8Array(randomBytes(size)));
}

function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/**
 * Verified framing cases grouped for side-by-side timing (every backend of one kind and size), and the
 * cases refused because a backend's output was wrong.
 */
export async function framingGroups(sizes: number[], log: (line: string) => void): Promise<{ groups: Slot[][]; refused: CaseResult[] }> {
  const groups = new Map<string, Slot[]>();
  const refused: CaseResult[] = [];
  for (const f of await framingCases(sizes)) {
    const identity: CaseIdentity = { group: 'framing', algorithm: `framing ${f.kind}`, operation: f.operation, backend: f.backend, size: f.size };
    const problem = f.verify();
    if (problem !== undefined) {
      log(`refusing to time framing ${f.kind} on ${f.backend}: ${problem}`);
      refused.push({ ...identity, status: 'refused', reason: problem });
      continue;
    }
    const key = `${f.kind}|${f.size}`;
    groups.set(key, [...(groups.get(key) ?? []), { identity, bytesPerOp: f.bytesPerOp, prepare: () => ({ run: f.run, dispose: () => {} }) }]);
  }
  return { groups: [...groups.values()], refused };
}
