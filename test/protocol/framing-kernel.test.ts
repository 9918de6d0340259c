import { randomBytes } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { loadFramingKernel, type FramingKernel } from '../../src/kernels/optional/framing.js';
import { ProtocolError } from '../../src/protocol/errors.js';
import { encodeFrame, FrameDecoder, type Frame, type FramingKind } from '../../src/protocol/framing.js';
import { CHANGE_CIPHER_SPEC, TlsRecordReader, wrapRecords } from '../../src/protocol/tls-records.js';

const KINDS: FramingKind[] = ['abridged', 'intermediate', 'padded'];
const rnd = (n: number) => new Uint8Array(randomBytes(n));
const builds: [string, FramingKernel][] = [
  ['wasm', loadFramingKernel({ simd: false })],
  ['wasm-simd', loadFramingKernel({ simd: true })],
];

function tsDecode(kind: FramingKind, bytes: Uint8Array, max: number): Frame[] | 'error' {
  try {
    return new FrameDecoder(kind, { maxFrameLength: max }).push(bytes);
  } catch (err) {
    expect(err).toBeInstanceOf(ProtocolError);
    return 'error';
  }
}

function norm(frames: Frame[]): { payload: string; quickAck: boolean }[] {
  return frames.map((f) => (f.type === 'data' ? { payload: Buffer.from(f.payload).toString('hex'), quickAck: f.quickAck } : { payload: 'ack', quickAck: false }));
}

describe.each(builds)('framing kernels (%s)', (name, k) => {
  it('reports its build', () => {
    expect(k.build).toBe(name);
  });

  it('encodes exactly like the TypeScript codec and scans back every frame size 0..70 000', () => {
    for (const kind of KINDS) {
      const payloads = [0, 4, 0x7e * 4, 0x7f * 4, 4096, 65_536, 70_000].map(rnd);
      const wire: Uint8Array[] = [];
      for (const [i, p] of payloads.entries()) {
        const pad = kind === 'padded' ? rnd(i % 16) : undefined;
        const enc = k.encodeFrame(kind, p, { padding: pad, quickAck: i === 2 });
        const ts = encodeFrame(kind, p, { padding: pad?.length ?? 0, quickAck: i === 2 });
        expect(enc.length).toBe(ts.length);
        expect(Buffer.from(enc.subarray(0, 4 + p.length)).equals(Buffer.from(ts.subarray(0, 4 + p.length)))).toBe(true);
        wire.push(enc);
      }
      const all = Buffer.concat(wire);
      const scanned = k.scanFrames(kind, all, 1 << 20);
      expect(scanned.consumed).toBe(all.length);
      expect(norm(scanned.frames)).toEqual(norm(tsDecode(kind, all, 1 << 20) as Frame[]));
      scanned.frames.forEach((f, i) => {
        const got = f.type === 'data' ? f.payload : new Uint8Array(0);
        expect(got.length - payloads[i]!.length).toBe(kind === 'padded' ? (i % 16) - (i % 4) : 0);
        expect(Buffer.from(got.subarray(0, payloads[i]!.length)).equals(payloads[i]!)).toBe(true);
      });
      // an incomplete tail is left unconsumed
      const cut = k.scanFrames(kind, all.subarray(0, all.length - 1), 1 << 20);
      expect(cut.frames.length).toBe(payloads.length - 1);
      expect(cut.consumed).toBe(all.length - wire.at(-1)!.length);
    }
  });

  it('maps oversize frames and bad records to the protocol errors', () => {
    expect(() => k.scanFrames('intermediate', encodeFrame('intermediate', rnd(100)), 99)).toThrowError(expect.objectContaining({ code: 'ERR_PROTOCOL_FRAME_TOO_LARGE' }));
    expect(() => k.encodeFrame('abridged', rnd(5))).toThrowError(expect.objectContaining({ code: 'ERR_PROTOCOL_FRAME_BAD' }));
    expect(() => k.encodeFrame('padded', rnd(4), { padding: rnd(16) })).toThrowError(expect.objectContaining({ code: 'ERR_PROTOCOL_FRAME_PADDING' }));
    expect(() => k.splitRecords(CHANGE_CIPHER_SPEC)).toThrowError(expect.objectContaining({ code: 'ERR_PROTOCOL_TLS_RECORD_TYPE' }));
    expect(() => k.splitRecords(Uint8Array.of(0x17, 3, 3, 0x41, 0x01))).toThrowError(expect.objectContaining({ code: 'ERR_PROTOCOL_TLS_RECORD_TOO_LARGE' }));
    expect(() => k.joinRecords(rnd(10), 16385)).toThrowError(expect.objectContaining({ code: 'ERR_PROTOCOL_TLS_RECORD_TOO_LARGE' }));
  });

  it('joins and splits TLS records exactly like wrapRecords / TlsRecordReader', () => {
    for (const [size, max] of [[0, 16384], [1, 16384], [16384, 16384], [16385, 16384], [100_000, 16384], [5000, 2878]] as const) {
      const payload = rnd(size);
      const joined = k.joinRecords(payload, max);
      if (size > 0) expect(Buffer.from(joined).equals(wrapRecords(payload, max))).toBe(true);
      const split = k.splitRecords(joined);
      expect(split.consumed).toBe(joined.length);
      expect(Buffer.concat(split.payloads).equals(payload)).toBe(true);
      const reader = new TlsRecordReader({ allowChangeCipherSpec: false });
      expect(Buffer.concat(reader.push(joined)).equals(payload)).toBe(true);
    }
    const partial = k.splitRecords(wrapRecords(rnd(20_000)).subarray(0, 16_389 + 100));
    expect(partial).toMatchObject({ consumed: 16_389 });
  });

  it('never throws an untyped error or traps on random bytes, and agrees with the TS decoder', () => {
    fc.assert(
      fc.property(fc.constantFrom(...KINDS), fc.uint8Array({ maxLength: 400 }), fc.integer({ min: 0, max: 300 }), (kind, bytes, max) => {
        let wasm: Frame[] | 'error';
        try {
          wasm = k.scanFrames(kind, bytes, max).frames;
        } catch (err) {
          expect(err).toBeInstanceOf(ProtocolError);
          wasm = 'error';
        }
        const ts = tsDecode(kind, bytes, max);
        if (ts === 'error' || wasm === 'error') {
          // the TS decoder stops at the first oversize frame; so does the kernel
          expect(wasm).toBe(ts);
        } else {
          expect(norm(wasm)).toEqual(norm(ts));
        }
        try {
          k.splitRecords(bytes);
        } catch (err) {
          expect(err).toBeInstanceOf(ProtocolError);
        }
      }),
      { numRuns: 1000 },
    );
  });

  it('round-trips random payloads through encode → scan and join → split', () => {
    fc.assert(
      fc.property(fc.constantFrom(...KINDS), fc.array(fc.uint8Array({ maxLength: 600 }), { maxLength: 8 }), fc.integer({ min: 1, max: 16384 }), (kind, list, max) => {
        const payloads = list.map((p) => (kind === 'abridged' || kind === 'padded' ? p.subarray(0, p.length - (p.length % 4)) : p));
        const pads = payloads.map((p) => (kind === 'padded' ? p.length % 4 : 0)); // < 4: strippable
        const wire = Buffer.concat(payloads.map((p, i) => k.encodeFrame(kind, p, { padding: kind === 'padded' ? rnd(pads[i]!) : undefined })));
        const scanned = k.scanFrames(kind, wire);
        expect(scanned.consumed).toBe(wire.length);
        expect(scanned.frames.map((f) => (f.type === 'data' ? Buffer.from(f.payload).toString('hex') : ''))).toEqual(payloads.map((p) => Buffer.from(p).toString('hex')));
        expect(norm(scanned.frames)).toEqual(norm(new FrameDecoder(kind).push(wire)));
        const all = Buffer.concat(payloads);
        expect(Buffer.concat(k.splitRecords(k.joinRecords(all, max)).payloads).equals(all)).toBe(true);
      }),
      { numRuns: 300 },
    );
  });
});

describe('framing exports called raw never trap', () => {
  it('returns a status for any kind, pointer, length and limit', async () => {
    const { readFileSync } = await import('node:fs');
    const { packagePath } = await import('../../src/util/paths.js');
    for (const file of ['mtshield.wasm', 'mtshield-simd.wasm']) {
      const wasm = (globalThis as unknown as { WebAssembly: { Module: new (b: Uint8Array) => object; Instance: new (m: object, i: object) => { exports: Record<string, (...a: number[]) => number> } } }).WebAssembly;
      const ex = new wasm.Instance(new wasm.Module(readFileSync(packagePath('build', file))), {}).exports;
      const memEnd = 256 * 65536;
      const int = fc.oneof(fc.integer({ min: -5, max: 70_000 }), fc.constantFrom(0, 1, memEnd - 1, memEnd, memEnd + 1, 0x7fffffff, -1, -0x80000000), fc.integer());
      const ptr = fc.oneof(fc.integer({ min: 0, max: memEnd + 16 }), fc.constantFrom(0, memEnd - 4, 0xffffffff, 0x80000000));
      fc.assert(
        fc.property(fc.integer({ min: -1, max: 3 }), ptr, int, ptr, int, int, (kind, p, len, out, n, max) => {
          for (const r of [
            ex.frameScan!(kind, p, len, out, n, max),
            ex.frameEncode!(kind, p, len, out, n & 31),
            ex.tlsSplit!(p, len, out, n),
            ex.tlsJoin!(p, len, out, max),
          ]) {
            expect(Number.isInteger(r)).toBe(true);
            expect(r).toBeGreaterThanOrEqual(-7);
          }
        }),
        { numRuns: 2000 },
      );
    }
  });
});
