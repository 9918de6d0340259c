import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { TlsError } from '../../src/protocol/errors.js';
import { RecordSizeRamp, recordPartsSized, TlsRecordReader } from '../../src/protocol/tls-records.js';

/**
 * Sends `total` bytes in 16 KiB chunks at `nowMs`; returns the record payload sizes written, less each
 * chunk's last record (the remainder, whatever its size).
 */
function send(ramp: RecordSizeRamp, total: number, nowMs: number, check?: Buffer[]): number[] {
  const sizes: number[] = [];
  for (let sent = 0; sent < total; sent += 16384) {
    const payload = new Uint8Array(randomBytes(Math.min(16384, total - sent)));
    const parts = recordPartsSized(payload, ramp, nowMs);
    for (let i = 1; i < parts.length; i += 2) {
      expect(parts[i]!.buffer).toBe(payload.buffer); // payload not copied
      if (i < parts.length - 1 || parts[i]!.length === 16384) sizes.push(parts[i]!.length);
    }
    check?.push(Buffer.from(payload), Buffer.concat(parts));
  }
  return sizes;
}

describe('dynamic record sizing after the handshake', () => {
  it('starts with segment-sized records of varying size, then grows to 16 KiB', () => {
    const ramp = new RecordSizeRamp();
    const sizes = send(ramp, 3 << 20, 0);
    const firstBig = sizes.findIndex((s) => s > 1400);
    const smallBytes = sizes.slice(0, firstBig).reduce((a, b) => a + b, 0);
    expect(smallBytes).toBeGreaterThanOrEqual(0.75 * (1 << 20) - 16384);
    expect(smallBytes).toBeLessThanOrEqual(1.25 * (1 << 20) + 16384);
    const small = sizes.slice(0, firstBig);
    expect(Math.min(...small)).toBeGreaterThanOrEqual(1250);
    expect(Math.max(...small)).toBeLessThanOrEqual(1400);
    expect(new Set(small).size).toBeGreaterThan(50); // no fixed size
    expect(sizes.slice(firstBig, firstBig + 4).some((s) => s > 1400 && s < 16384)).toBe(true); // grows, not jumps
    expect(sizes.slice(-20).every((s) => s === 16384)).toBe(true);
  });

  it('starts small again after a second idle, and the switch point differs between bursts', () => {
    const ramp = new RecordSizeRamp();
    const smallRun = (sizes: number[]) => sizes.findIndex((s) => s > 1400);
    const first = send(ramp, 2 << 20, 0);
    expect(send(ramp, 64 << 10, 500).every((s) => s === 16384)).toBe(true); // busy: stays big
    const afterIdle = send(ramp, 2 << 20, 2000);
    expect(afterIdle[0]).toBeLessThanOrEqual(1400);
    const switches = new Set([smallRun(first), smallRun(afterIdle), smallRun(send(ramp, 2 << 20, 4000)), smallRun(send(ramp, 2 << 20, 6000))]);
    expect(switches.size).toBeGreaterThan(1);
  });

  it('writes records a TLS record reader reads back byte for byte', () => {
    const pairs: Buffer[] = [];
    send(new RecordSizeRamp({ rampBytes: 64 << 10 }), 300_000, 0, pairs);
    const reader = new TlsRecordReader();
    for (let i = 0; i < pairs.length; i += 2) {
      const out = Buffer.concat(reader.push(pairs[i + 1]!).map((p) => Buffer.from(p)));
      expect(out.equals(pairs[i]!)).toBe(true);
    }
  });

  it('refuses sizes outside the record limits', () => {
    expect(() => new RecordSizeRamp({ smallMin: 100 })).toThrow(TlsError);
    expect(() => new RecordSizeRamp({ smallMax: 20000 })).toThrow(TlsError);
  });
});
