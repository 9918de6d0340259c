/**
 * Middle mode's client framing without copies: the packet cutter over any chunking (fast-check) for each framing,
 * with quick-ack flags, padded intermediate's padding dropped, an oversized frame as a typed error; whole frames
 * handed on as views of the chunk; answers framed in place as the reference encoder frames them; and a client
 * endpoint that adds no listener to its stream.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { DEFAULT_MAX_CLIENT_BUFFER, MiddleClientEndpoint, MiddleClientStream, proxyReqTemplate } from '../../../src/upstream/middle/index.js';
import { ClientPacketCutter, frameAnswerInPlace } from '../../../src/upstream/middle/client-packets.js';
import { encodeFrame, type FramingKind } from '../../../src/protocol/framing.js';
import { FramingError } from '../../../src/protocol/errors.js';

const FRAMINGS: FramingKind[] = ['abridged', 'intermediate', 'padded'];

function cut(data: Buffer, sizes: number[]): Buffer[] {
  const chunks: Buffer[] = [];
  for (let at = 0, i = 0; at < data.length; i++) {
    const n = Math.max(1, sizes[i % sizes.length] ?? data.length);
    chunks.push(data.subarray(at, at + n));
    at += n;
  }
  return chunks;
}

function packets(framing: FramingKind, chunks: Buffer[]): { packet: Buffer; quickAck: boolean }[] {
  const cutter = new ClientPacketCutter(framing);
  const out: { packet: Buffer; quickAck: boolean }[] = [];
  const sink = { onClientPacket: (packet: Buffer, quickAck: boolean) => out.push({ packet: Buffer.from(packet), quickAck }) };
  for (const c of chunks) cutter.push(c, sink);
  return out;
}

describe('client packets in middle mode', () => {
  it('cuts every framing over any chunking, keeping quick-ack flags and dropping padding', () => {
    const packet = fc.uint8Array({ minLength: 0, maxLength: 700 }).map((b) => Buffer.from(b.subarray(0, b.length - (b.length % 4))));
    fc.assert(
      fc.property(
        fc.constantFrom(...FRAMINGS),
        // padding under 4 bytes: only that much can be told apart from the packet (framing.ts)
        fc.array(fc.record({ packet, quickAck: fc.boolean(), padding: fc.integer({ min: 0, max: 3 }) }), { minLength: 1, maxLength: 8 }),
        fc.array(fc.integer({ min: 1, max: 600 }), { maxLength: 6 }),
        (framing, sent, sizes) => {
          const wire = Buffer.concat(sent.map((s) => encodeFrame(framing, s.packet, { quickAck: s.quickAck, padding: s.padding })));
          const got = packets(framing, cut(wire, sizes));
          expect(got.map((g) => g.packet.toString('hex'))).toEqual(sent.map((s) => s.packet.toString('hex')));
          expect(got.map((g) => g.quickAck)).toEqual(sent.map((s) => s.quickAck));
        },
      ),
      { numRuns: 300 },
    );
  });

  it('hands whole frames on as views of the chunk (no copy) and large abridged frames too', () => {
    const big = Buffer.alloc(0x7f * 4 + 8, 3);
    const wire = Buffer.concat([encodeFrame('abridged', Buffer.alloc(8, 1)), encodeFrame('abridged', big)]);
    const views: Buffer[] = [];
    new ClientPacketCutter('abridged').push(wire, { onClientPacket: (p) => views.push(p) });
    expect(views.map((v) => v.length)).toEqual([8, big.length]);
    for (const v of views) expect(v.buffer).toBe(wire.buffer);
  });

  it('refuses a frame over the limit with a typed error, and keeps refusing', () => {
    const cutter = new ClientPacketCutter('intermediate', 1024);
    const header = Buffer.alloc(4);
    header.writeUInt32LE(4096, 0);
    const sink = { onClientPacket: () => undefined };
    expect(() => cutter.push(header, sink)).toThrow(FramingError);
    expect(() => cutter.push(Buffer.alloc(8), sink)).toThrow(/exceeds/);
  });

  it('frames answers in place exactly as the encoder does', () => {
    for (const framing of FRAMINGS) {
      for (const length of [0, 4, 124, 0x7e * 4, 0x7f * 4, 70_000]) {
        const packet = Buffer.alloc(length, 0x5a);
        const payload = Buffer.concat([Buffer.alloc(16), packet]);
        const frame = frameAnswerInPlace(framing, payload, 16);
        expect(frame.buffer).toBe(payload.buffer);
        expect(Buffer.from(frame).equals(Buffer.from(encodeFrame(framing, packet, { padding: 0 })))).toBe(true);
      }
    }
    expect(() => frameAnswerInPlace('abridged', Buffer.alloc(16 + 6), 16)).toThrow(FramingError);
  });

  it('an endpoint is its stream\'s only listener: no listener or closure per client', () => {
    const link = { sendRequest: () => true, release: () => undefined };
    const template = proxyReqTemplate({ connId: 1n, client: { ip: '127.0.0.1', port: 1 }, proxy: { ip: '127.0.0.1', port: 2 } });
    const stream = new MiddleClientStream(link, 1n, 'intermediate', template, false, DEFAULT_MAX_CLIENT_BUFFER);
    const endpoint = new MiddleClientEndpoint(stream, 'intermediate', 1 << 20);
    expect(stream.eventNames()).toEqual([]);
    // an answer before anything reads the endpoint is pushed as a copy, framed
    const payload = Buffer.concat([Buffer.alloc(16), Buffer.alloc(8, 7)]);
    stream.deliver(payload, 16);
    payload.fill(0);
    const read = endpoint.read() as Buffer;
    expect(read.toString('hex')).toBe('08000000' + '07'.repeat(8));
    endpoint.destroy();
  });
});
