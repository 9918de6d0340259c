/**
 * The "full" RPC framing: encoder/decoder round trips over any chunking (fast-check), plain and under chained
 * AES-256-CBC, CRC32 and CRC32-C; padding words skipped; bad length, checksum and sequence number as typed errors.
 */
import { createCipheriv } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { FrameDecoder, encodeFrame, type CrcKind } from '../../../src/upstream/middle/index.js';
import { nodeCbc } from './node-cbc.js';

const KEY = Buffer.alloc(32, 7);
const IV = Buffer.alloc(16, 9);

/** The frames of `payloads` from seq -2 on, as one byte string (padded and encrypted when `encrypted`). */
function stream(payloads: Uint8Array[], crc: CrcKind, encrypted: boolean): Buffer {
  const plain = Buffer.concat(payloads.map((p, i) => encodeFrame(i - 2, p, { crc, pad: encrypted })));
  if (!encrypted) return plain;
  return createCipheriv('aes-256-cbc', KEY, IV).setAutoPadding(false).update(plain);
}

function cut(data: Buffer, sizes: number[]): Buffer[] {
  const chunks: Buffer[] = [];
  let at = 0;
  for (let i = 0; at < data.length; i++) {
    const n = sizes.length ? Math.max(1, sizes[i % sizes.length]!) : data.length;
    chunks.push(data.subarray(at, at + n));
    at += n;
  }
  return chunks;
}

function decodeAll(chunks: Buffer[], crc: CrcKind, encrypted: boolean): Buffer[] {
  const d = new FrameDecoder();
  d.crc = crc;
  if (encrypted) d.setCipher(nodeCbc.cbc('decrypt', KEY, IV));
  const out: Buffer[] = [];
  for (const c of chunks) {
    d.push(c);
    for (let p = d.next(); p; p = d.next()) out.push(Buffer.from(p));
  }
  expect(d.buffered).toBe(0);
  return out;
}

const payloads = fc.array(
  fc.integer({ min: 0, max: 700 }).chain((words) => fc.uint8Array({ minLength: words * 4, maxLength: words * 4 })),
  { minLength: 1, maxLength: 12 },
);

describe('full framing round trips', () => {
  it('decodes what it encodes over any chunking, plain or CBC, CRC32 or CRC32-C', () => {
    fc.assert(
      fc.property(payloads, fc.array(fc.integer({ min: 1, max: 3000 }), { maxLength: 8 }), fc.constantFrom<CrcKind>('crc32', 'crc32c'), fc.boolean(), (ps, sizes, crc, enc) => {
        const got = decodeAll(cut(stream(ps, crc, enc), sizes), crc, enc);
        expect(got.map((b) => b.toString('hex'))).toEqual(ps.map((p) => Buffer.from(p).toString('hex')));
      }),
      { numRuns: 150 },
    );
  });

  it('switches to CBC between two frames of one chunk (plain nonce, then encrypted frames)', () => {
    const first = encodeFrame(-2, Buffer.alloc(32, 1));
    const rest = createCipheriv('aes-256-cbc', KEY, IV).setAutoPadding(false).update(Buffer.concat([encodeFrame(-1, Buffer.alloc(32, 2), { pad: true }), encodeFrame(0, Buffer.alloc(8, 3), { pad: true })]));
    const d = new FrameDecoder();
    d.push(Buffer.concat([first, rest.subarray(0, 21)]));
    expect(d.next()).toEqual(Buffer.alloc(32, 1));
    d.setCipher(nodeCbc.cbc('decrypt', KEY, IV));
    expect(d.next()).toBeUndefined();
    d.push(rest.subarray(21));
    expect(d.next()).toEqual(Buffer.alloc(32, 2));
    expect(d.next()).toEqual(Buffer.alloc(8, 3));
    expect(d.next()).toBeUndefined();
  });

  it('reads a peer that pads its plaintext RPC_NONCE to 16 bytes (as mtprotoproxy does), however the padding arrives', () => {
    const nonce = encodeFrame(-2, Buffer.alloc(32, 1), { pad: true }); // 44 bytes + one 04 00 00 00 word
    expect(nonce.length).toBe(48);
    const rest = createCipheriv('aes-256-cbc', KEY, IV).setAutoPadding(false).update(encodeFrame(-1, Buffer.alloc(32, 2), { pad: true }));
    for (const split of [44, 46, 48, 50]) {
      const wire = Buffer.concat([nonce, rest]);
      const d = new FrameDecoder();
      d.push(wire.subarray(0, split));
      expect(d.next()).toEqual(Buffer.alloc(32, 1));
      d.setCipher(nodeCbc.cbc('decrypt', KEY, IV));
      expect(d.next()).toBeUndefined();
      d.push(wire.subarray(split));
      expect(d.next()).toEqual(Buffer.alloc(32, 2));
      expect(d.next()).toBeUndefined();
      expect(d.buffered).toBe(0);
    }
  });

  it('pads to 16 bytes with 04 00 00 00 words and skips them when reading', () => {
    const f = encodeFrame(0, Buffer.alloc(8), { pad: true });
    expect(f.length).toBe(32);
    expect(f.subarray(20).toString('hex')).toBe('040000000400000004000000');
    const d = new FrameDecoder({ startSeq: 0 });
    d.push(Buffer.concat([Buffer.from('0400000004000000', 'hex'), f]));
    expect(d.next()).toEqual(Buffer.alloc(8));
  });
});

describe('full framing errors', () => {
  const code = (fn: () => unknown) => {
    try {
      fn();
    } catch (err) {
      return (err as { code?: string }).code;
    }
    return undefined;
  };
  const feed = (bytes: Buffer, options = {}) => () => {
    const d = new FrameDecoder(options);
    d.push(bytes);
    return d.next();
  };

  it('bad lengths: under 12, not a multiple of 4, over the bound', () => {
    expect(code(feed(Buffer.from('08000000feffffff', 'hex')))).toBe('ERR_PROTOCOL_MIDDLE_FRAME_LENGTH');
    expect(code(feed(Buffer.from('0d000000feffffff', 'hex')))).toBe('ERR_PROTOCOL_MIDDLE_FRAME_LENGTH');
    expect(code(feed(encodeFrame(-2, Buffer.alloc(2048)), { maxPayload: 1024 }))).toBe('ERR_PROTOCOL_MIDDLE_FRAME_LENGTH');
    expect(code(feed(Buffer.from('ffffffff', 'hex')))).toBe('ERR_PROTOCOL_MIDDLE_FRAME_LENGTH');
  });

  it('a flipped bit fails the checksum; the wrong checksum kind fails too', () => {
    const f = encodeFrame(-2, Buffer.alloc(16, 5));
    f[10]! ^= 1;
    expect(code(feed(f))).toBe('ERR_PROTOCOL_MIDDLE_FRAME_CRC');
    const c = encodeFrame(-2, Buffer.alloc(16, 5), { crc: 'crc32c' });
    expect(code(feed(c))).toBe('ERR_PROTOCOL_MIDDLE_FRAME_CRC');
  });

  it('sequence numbers must run -2, -1, 0, … without gaps', () => {
    expect(code(feed(encodeFrame(0, Buffer.alloc(4))))).toBe('ERR_PROTOCOL_MIDDLE_FRAME_SEQ');
    expect(code(feed(Buffer.concat([encodeFrame(-2, Buffer.alloc(4)), encodeFrame(0, Buffer.alloc(4))])))).toBe(undefined); // first frame only
    const d = new FrameDecoder();
    d.push(Buffer.concat([encodeFrame(-2, Buffer.alloc(4)), encodeFrame(0, Buffer.alloc(4))]));
    d.next();
    expect(code(() => d.next())).toBe('ERR_PROTOCOL_MIDDLE_FRAME_SEQ');
  });

  it('the encoder refuses payloads that are not whole words', () => {
    expect(code(() => encodeFrame(0, Buffer.alloc(5)))).toBe('ERR_PROTOCOL_MIDDLE_FRAME_LENGTH');
  });
});
