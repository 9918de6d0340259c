/**
 * Rekeying without a pause: 100 MB through one stream over TCP on 127.0.0.1 with a rekey every 4 MiB (about 25
 * key switches mid-stream), every byte arriving intact; and a time-based rekey (rekey_after) in both directions.
 */
import { createHash } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { collect, connect, META, pump, startExit, type Pair } from './helpers.js';
import type { RelayStream } from '../../../src/upstream/relay/index.js';

const pairs: Pair[] = [];
afterEach(async () => {
  for (const p of pairs.splice(0)) await p.exit.close();
});

describe('relay rekey', () => {
  it('rekeys many times in the middle of a 100 MB stream with no loss and no pause', { timeout: 180_000 }, async () => {
    const REKEY = 4 * 1024 * 1024;
    const TOTAL = 100 * 1024 * 1024;
    // The exit's arrival times: the longest gap between two chunks against the whole transfer's duration.
    let first = 0;
    let last = 0;
    let maxGap = 0;
    // the exit hashes what it receives and answers with the digest when the stream ends
    const pair = await startExit({
      suites: ['chacha20-poly1305'],
      tuning: { rekeyBytes: REKEY },
      onStream: (s: RelayStream) => {
        const hash = createHash('sha256');
        let n = 0;
        s.on('data', (c) => {
          const now = performance.now();
          if (first === 0) first = now;
          else maxGap = Math.max(maxGap, now - last);
          last = now;
          hash.update(c);
          n += c.length;
        });
        s.on('end', () => s.end(Buffer.from(`${n} ${hash.digest('hex')}`)));
      },
    });
    pairs.push(pair);
    const tunnel = await connect(pair, { suites: ['chacha20-poly1305'], tuning: { rekeyBytes: REKEY } });
    const stream = tunnel.openStream(META);
    const answer = collect(stream);
    const sent = await pump(stream, TOTAL);
    expect((await answer).toString()).toBe(`${TOTAL} ${sent}`);
    expect(tunnel.counters.rekeysSent).toBeGreaterThanOrEqual(Math.floor(TOTAL / REKEY) - 1);
    expect(pair.exitTunnels[0]!.counters.rekeysReceived).toBe(tunnel.counters.rekeysSent);
    // No pause: ~25 rekeys, yet no gap between chunks comes near a tenth of the transfer (a rekey that waited for
    // the peer, or stalled the stream, would show as gaps at each of them).
    const totalMs = last - first;
    if (process.env.RELAY_TEST_FIGURES) console.log(`rekey 100 MB: max gap ${maxGap.toFixed(1)} ms of ${totalMs.toFixed(0)} ms`);
    expect(maxGap).toBeLessThan(totalMs / 10);
    tunnel.close();
  });

  it('rekeys on time (rekey_after) in both directions while an echo runs', { timeout: 30_000 }, async () => {
    const pair = await startExit({ tuning: { rekeyAfterMs: 30 } });
    pairs.push(pair);
    const tunnel = await connect(pair, { tuning: { rekeyAfterMs: 30 } });
    const stream = tunnel.openStream(META);
    const back = collect(stream);
    const chunks: Buffer[] = [];
    for (let i = 0; i < 20; i++) {
      const c = Buffer.alloc(5000, i);
      chunks.push(c);
      stream.write(c);
      await new Promise((r) => setTimeout(r, 15));
    }
    stream.end();
    expect((await back).equals(Buffer.concat(chunks))).toBe(true);
    expect(tunnel.counters.rekeysSent).toBeGreaterThan(2);
    expect(pair.exitTunnels[0]!.counters.rekeysSent).toBeGreaterThan(2);
    tunnel.close();
  });
});
