import { randomBytes } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { FramingError } from '../../src/protocol/errors.js';
import { encodeFrame, encodeQuickAck, FrameDecoder, type Frame, type FramingKind } from '../../src/protocol/framing.js';

const KINDS: FramingKind[] = ['abridged', 'intermediate', 'padded'];
const rnd = (n: number) => new Uint8Array(randomBytes(n));
const data = (f: Frame) => (f.type === 'data' ? f : undefined)!;

function decodeAll(kind: FramingKind, wire: Uint8Array, step: number, max?: number): Frame[] {
  const d = new FrameDecoder(kind, { maxFrameLength: max });
  const out: Frame[] = [];
  for (let i = 0; i < wire.length; i += step) out.push(...d.push(wire.subarray(i, i + step)));
  expect(d.pendingBytes).toBe(0);
  return out;
}

describe('framing codecs (TypeScript)', () => {
  it('abridged headers: short form below 0x7f words, 7f + 3 bytes above, quick-ack bit', () => {
    expect([...encodeFrame('abridged', new Uint8Array(8)).subarray(0, 1)]).toEqual([2]);
    expect([...encodeFrame('abridged', new Uint8Array(0x7e * 4)).subarray(0, 1)]).toEqual([0x7e]);
    expect([...encodeFrame('abridged', new Uint8Array(0x7f * 4)).subarray(0, 4)]).toEqual([0x7f, 0x7f, 0, 0]);
    expect([...encodeFrame('abridged', new Uint8Array(70_000)).subarray(0, 4)]).toEqual([0x7f, 0x5c, 0x44, 0]);
    expect(encodeFrame('abridged', new Uint8Array(8), { quickAck: true })[0]).toBe(0x82);
    expect(() => encodeFrame('abridged', new Uint8Array(5))).toThrow(FramingError);
  });

  it('intermediate and padded headers: u32 LE length, bit 31 for quick ack, padding 0..15 counted', () => {
    expect([...encodeFrame('intermediate', new Uint8Array(5)).subarray(0, 4)]).toEqual([5, 0, 0, 0]);
    expect([...encodeFrame('intermediate', new Uint8Array(8), { quickAck: true }).subarray(0, 4)]).toEqual([8, 0, 0, 0x80]);
    const padded = encodeFrame('padded', new Uint8Array(16), { padding: 7 });
    expect(padded.length).toBe(4 + 16 + 7);
    expect(padded[0]).toBe(23);
    expect(() => encodeFrame('padded', new Uint8Array(4), { padding: 16 })).toThrow(FramingError);
    const sizes = new Set(Array.from({ length: 50 }, () => encodeFrame('padded', new Uint8Array(4)).length));
    expect(sizes.size).toBeGreaterThan(5);
  });

  it('round-trips frames of 0..70 000 bytes at any chunking, padded strips only len % 4', () => {
    for (const kind of KINDS) {
      const payloads = [0, 4, 8, 0x7e * 4, 0x7f * 4, 1024, 65_536, 70_000].map(rnd);
      const wire = Buffer.concat(payloads.map((p, i) => encodeFrame(kind, p, { quickAck: i % 2 === 1 })));
      for (const step of [1, 3, 4096, wire.length]) {
        if (step === 1 && kind !== 'abridged') continue; // byte-at-a-time once is enough
        const frames = decodeAll(kind, wire, step);
        expect(frames.length).toBe(payloads.length);
        frames.forEach((f, i) => {
          const got = data(f).payload;
          // padded: whole words of padding stay (only len % 4 can be stripped); MTProto ignores them
          const extra = got.length - payloads[i]!.length;
          expect(kind === 'padded' ? extra >= 0 && extra <= 12 && extra % 4 === 0 : extra === 0).toBe(true);
          expect(Buffer.from(got.subarray(0, payloads[i]!.length)).equals(payloads[i]!)).toBe(true);
          expect(data(f).quickAck).toBe(i % 2 === 1);
        });
      }
    }
  });

  it('refuses frames above the maximum with a typed error, and stays failed', () => {
    for (const kind of KINDS) {
      const d = new FrameDecoder(kind, { maxFrameLength: 1024 });
      expect(() => d.push(encodeFrame(kind, new Uint8Array(1028), { padding: 0 }).subarray(0, 4))).toThrowError(
        expect.objectContaining({ code: 'ERR_PROTOCOL_FRAME_TOO_LARGE' }),
      );
      expect(() => d.push(new Uint8Array(1))).toThrow(FramingError);
    }
  });

  it('quick-ack replies from the server decode as acks; transport errors as 4-byte frames', () => {
    for (const kind of KINDS) {
      const d = new FrameDecoder(kind, { direction: 'from-server' });
      const err = new Uint8Array(4);
      new DataView(err.buffer).setInt32(0, -404, true);
      const wire = Buffer.concat([encodeQuickAck(kind, 0x1234567), encodeFrame(kind, err, { padding: 0 })]);
      const frames = d.push(wire);
      expect(frames[0]).toEqual({ type: 'ack', token: 0x1234567 });
      expect(new DataView(data(frames[1]!).payload.buffer, data(frames[1]!).payload.byteOffset).getInt32(0, true)).toBe(-404);
    }
  });

  it('never throws an untyped error on random bytes', () => {
    fc.assert(
      fc.property(fc.constantFrom(...KINDS), fc.boolean(), fc.uint8Array({ maxLength: 300 }), fc.integer({ min: 1, max: 40 }), (kind, server, bytes, step) => {
        const d = new FrameDecoder(kind, { maxFrameLength: 200, direction: server ? 'from-server' : 'from-client' });
        try {
          for (let i = 0; i < bytes.length; i += step) d.push(bytes.subarray(i, i + step));
        } catch (err) {
          expect(err).toBeInstanceOf(FramingError);
        }
      }),
      { numRuns: 500 },
    );
  });
});
