// Ad-hoc cost figures for the protocol layer (not a test; run: npx tsx test/protocol/measure-handshake.ts).
// Prints one JSON line per operation: microseconds per op. Numbers vary with machine load; compare ratios.
import { randomBytes } from 'node:crypto';
import { buildClientHeader, parseClientHeader, generateServerHeader } from '../../src/protocol/obfuscated2.js';
import { buildClientHello, verifyClientHello, buildServerHello, ClientHelloReader } from '../../src/protocol/faketls.js';
import { encodeFrame, FrameDecoder } from '../../src/protocol/framing.js';
import { loadFramingKernel } from '../../src/kernels/optional/framing.js';
import { MemoryReplayCache } from '../../src/protocol/replay.js';
const rnd = (n: number) => new Uint8Array(randomBytes(n));
function time(name: string, n: number, fn: () => void) {
  for (let i = 0; i < Math.min(200, n); i++) fn();
  const t = process.hrtime.bigint();
  for (let i = 0; i < n; i++) fn();
  const us = Number(process.hrtime.bigint() - t) / 1000 / n;
  console.log(JSON.stringify({ name, usPerOp: +us.toFixed(2) }));
}
const now = Date.now();
for (const users of [1, 10, 100]) {
  const cands = Array.from({ length: users }, (_, i) => ({ user: i, key: rnd(16), domain: 'example.com' }));
  const h = buildClientHeader(cands[users - 1]!.key, 'padded', 2).header;
  time(`parseClientHeader users=${users}`, 2000, () => parseClientHeader(h, cands));
  const hello = buildClientHello(cands[users - 1]!.key, 'example.com', now).record;
  time(`verifyClientHello users=${users}`, 2000, () => verifyClientHello(hello, cands, now));
}
const key = rnd(16);
time('buildServerHello (x25519 keygen incl.)', 2000, () => buildServerHello(key, rnd(32), rnd(32)));
time('buildServerHello (fixed key share)', 2000, () => buildServerHello(key, rnd(32), rnd(32), { keyShare: rnd(32) }));
time('generateServerHeader', 5000, () => generateServerHeader('intermediate', 2));
const hello = buildClientHello(key, 'example.com', now).record;
time('ClientHelloReader 1.8KB in 1 chunk', 5000, () => new ClientHelloReader().feed(hello));
const rc = new MemoryReplayCache();
time('MemoryReplayCache.seen (new keys)', 200000, () => rc.seen(rnd(32), 240000));
const k = loadFramingKernel({ simd: true });
const frames = Buffer.concat(Array.from({ length: 64 }, () => encodeFrame('intermediate', rnd(1024))));
time('TS FrameDecoder 64x1KiB', 2000, () => new FrameDecoder('intermediate').push(frames));
time('WASM scanFrames 64x1KiB', 2000, () => k.scanFrames('intermediate', frames));
const big = rnd(65536);
import * as recs from '../../src/protocol/tls-records.js';
const wired = recs.wrapRecords(big, 2878);
time('TS TlsRecordReader 64KiB in 2878-byte records', 2000, () => new recs.TlsRecordReader({ allowChangeCipherSpec: false }).push(wired));
time('WASM splitRecords 64KiB in 2878-byte records', 2000, () => k.splitRecords(wired));
time('TS wrapRecords 64KiB', 2000, () => recs.wrapRecords(big));
time('WASM joinRecords 64KiB', 2000, () => k.joinRecords(big));
