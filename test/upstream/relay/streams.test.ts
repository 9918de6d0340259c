/**
 * The stream multiplexer over one tunnel on 127.0.0.1: 200 concurrent streams where one reader never reads
 * (only that stream stalls, at its flow-control window), a stream reset that leaves the tunnel and the other
 * streams alone, half-close from either end, the OPEN metadata reaching the exit, and keepalives.
 */
import { createServer, connect as tcpConnect } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import type { RelayStream, StreamMeta } from '../../../src/upstream/relay/index.js';
import { collect, connect, echo, META, startExit, waitFor, type Pair } from './helpers.js';

const pairs: Pair[] = [];
afterEach(async () => {
  for (const p of pairs.splice(0)) await p.exit.close();
});

describe('relay streams', () => {
  it('200 concurrent streams complete while one reader never reads', { timeout: 60_000 }, async () => {
    const PER_STREAM = 512 * 1024;
    const exitSide: RelayStream[] = [];
    const pair = await startExit({
      // the exit pushes PER_STREAM bytes down every stream, honouring backpressure
      onStream: (s) => {
        exitSide.push(s);
        s.on('error', () => {});
        const chunk = Buffer.alloc(32 * 1024, s.id & 0xff);
        let sent = 0;
        const go = () => {
          while (sent < PER_STREAM) {
            sent += chunk.length;
            if (!s.write(chunk)) return void s.once('drain', go);
          }
          s.end();
        };
        go();
      },
    });
    pairs.push(pair);
    const tunnel = await connect(pair);
    const stuck = tunnel.openStream(META);
    stuck.pause(); // never reads
    const others = Array.from({ length: 199 }, () => {
      const s = tunnel.openStream(META);
      s.end(); // nothing to send: the exit's data flows back
      return collect(s).then((b) => b.length);
    });
    const lengths = await Promise.all(others);
    expect(lengths.every((n) => n === PER_STREAM)).toBe(true);
    // the stuck stream holds at most its window and the tunnel still serves new streams
    expect(stuck.destroyed).toBe(false);
    const fresh = tunnel.openStream(META);
    const got = collect(fresh);
    fresh.end(Buffer.from('still alive'));
    expect((await got).length).toBe(PER_STREAM);
    expect(tunnel.closed).toBe(false);
    stuck.resume(); // now it drains to the end
    expect((await collect(stuck)).length).toBeGreaterThan(0);
    tunnel.close();
  });

  it('a reset ends one stream only; the tunnel and other streams carry on', async () => {
    const seen: { meta: StreamMeta; reset: Promise<string> }[] = [];
    const pair = await startExit({
      onStream: (s) => {
        seen.push({ meta: s.meta, reset: new Promise((r) => s.on('error', (e) => r((e as Error & { code: string }).code))) });
        echo(s);
      },
    });
    pairs.push(pair);
    const tunnel = await connect(pair);
    const doomed = tunnel.openStream({ dc: -4, framing: 'padded', clientAddress: '2001:db8::1', clientPort: 443 });
    const keeper = tunnel.openStream(META);
    const keeperBack = collect(keeper);
    doomed.write(Buffer.from('x'));
    await waitFor(() => seen.length === 2);
    expect(seen[0]!.meta).toEqual({ dc: -4, framing: 'padded', clientAddress: '2001:db8::1', clientPort: 443 });
    expect(seen[1]!.meta).toEqual(META);
    doomed.destroy(new Error('client went away'));
    expect(await seen[0]!.reset).toBe('ERR_RELAY_STREAM_RESET');
    keeper.end(Buffer.from('hello'));
    expect((await keeperBack).toString()).toBe('hello');
    expect(tunnel.closed).toBe(false);
    expect(pair.exitFailures).toEqual([]);
    tunnel.close();
  });

  it('half-close from the exit side: the entry can still send', async () => {
    let exitStream: RelayStream | undefined;
    const pair = await startExit({
      onStream: (s) => {
        exitStream = s;
        s.end(Buffer.from('bye'));
      },
    });
    pairs.push(pair);
    const tunnel = await connect(pair);
    const s = tunnel.openStream(META);
    expect((await collect(s)).toString()).toBe('bye');
    const received = collect(exitStream!);
    s.end(Buffer.from('late words'));
    expect((await received).toString()).toBe('late words');
    await waitFor(() => s.destroyed && exitStream!.destroyed);
    expect(tunnel.streamCount).toBe(0);
    tunnel.close();
  });

  it('keepalives flow while the tunnel is idle', async () => {
    const pair = await startExit({ tuning: { keepaliveMs: 40 } });
    pairs.push(pair);
    const tunnel = await connect(pair, { tuning: { keepaliveMs: 40 } });
    await new Promise((r) => setTimeout(r, 400));
    expect(tunnel.closed).toBe(false);
    expect(tunnel.counters.recordsReceived).toBeGreaterThanOrEqual(4); // PONGs and the exit's PINGs
    tunnel.close();
  });

  it('a peer that goes silent ends the tunnel with keepalive-timeout', async () => {
    const pair = await startExit();
    pairs.push(pair);
    // a forwarder that passes the exit's handshake answer, then swallows everything the exit sends
    const mute = createServer((client) => {
      const up = tcpConnect(pair.exit.port, '127.0.0.1');
      let answered = false;
      client.on('data', (d) => up.write(d));
      up.on('data', (d) => {
        if (!answered) client.write(d);
        answered = true;
      });
      client.on('close', () => up.destroy());
      up.on('close', () => client.destroy());
      client.on('error', () => {});
      up.on('error', () => {});
    });
    await new Promise<void>((r) => mute.listen(0, '127.0.0.1', () => r()));
    const failures: string[] = [];
    const tunnel = await connect(pair, { port: (mute.address() as { port: number }).port, tuning: { keepaliveMs: 30, onFailure: (e) => failures.push(e.reason) } });
    await new Promise((r) => tunnel.once('close', r));
    mute.close();
    expect(failures).toEqual(['keepalive-timeout']);
  });
});
