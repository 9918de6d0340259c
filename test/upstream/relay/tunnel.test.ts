/**
 * The relay tunnel end to end on 127.0.0.1: every suite over TCP and over WebSocket (uWebSockets.js exit, ws
 * entry), streams carrying data both ways through an echoing exit; and the handshake refusals: disjoint suites,
 * a wrong pinned key, an entry not in `allow`, a replayed first message.
 */
import { connect as tcpConnect } from 'node:net';
import { SIZE_CLASSES } from '../../../src/kernels/index.js';
import { afterEach, describe, expect, it } from 'vitest';
import { ALL_SUITES, generateKeyPair, RelayCryptoCounters, type RelayError, type RelayTransportKind } from '../../../src/upstream/relay/index.js';
import { collect, connect, kernels, META, startExit, type Pair } from './helpers.js';

const pairs: Pair[] = [];
afterEach(async () => {
  for (const p of pairs.splice(0)) await p.exit.close();
});

async function exitFor(transport: RelayTransportKind, setup: Parameters<typeof startExit>[0] = {}) {
  const pair = await startExit({ transport, ...setup });
  pairs.push(pair);
  return pair;
}

describe.each(['tcp', 'websocket'] as const)('relay tunnel over %s', (transport) => {
  it.each(ALL_SUITES.map((s) => [s] as const))('%s: streams carry data both ways', async (suite) => {
    const registry = await kernels();
    const exitMetrics = new RelayCryptoCounters(registry);
    const pair = await exitFor(transport, { suites: [suite], tuning: { metrics: exitMetrics } });
    const tunnel = await connect(pair, { transport, suites: [suite] });
    expect(tunnel.suite).toBe(suite);
    const messages = [Buffer.from('ping'), Buffer.alloc(1000, 1), Buffer.alloc(70_000, 2)];
    const streams = messages.map((m) => {
      const s = tunnel.openStream(META);
      const got = collect(s);
      s.end(m);
      return got;
    });
    const results = await Promise.all(streams);
    results.forEach((r, i) => expect(r.equals(messages[i]!)).toBe(true));
    await new Promise((r) => setTimeout(r, 20));
    expect(pair.exitTunnels[0]!.suite).toBe(suite);
    expect(pair.exitTunnels[0]!.counters.bytesReceived).toBeGreaterThan(71_000);
    // bytes per suite and backend: the exit opened what the entry sealed, on the backends the registry picks
    const opened = exitMetrics.rows().filter((r) => r.direction === 'open');
    expect(opened.every((r) => r.suite === suite)).toBe(true);
    expect(opened.reduce((n, r) => n + r.bytes, 0)).toBe(pair.exitTunnels[0]!.counters.bytesReceived);
    const possible = new Set(SIZE_CLASSES.map((size) => registry.chosenOpen(suite, size)));
    expect(opened.every((r) => possible.has(r.backend))).toBe(true);
    expect(opened.some((r) => r.backend === registry.chosenOpen(suite, 16_389))).toBe(true);
    tunnel.close();
  });
});

describe('relay handshake refusals', () => {
  it('picks the exit preference among the offered suites', async () => {
    const pair = await exitFor('tcp', { suites: ['aes-128-gcm', 'chacha20-poly1305'] });
    const tunnel = await connect(pair, { suites: ['chacha20-poly1305', 'aes-128-gcm'] });
    expect(tunnel.suite).toBe('aes-128-gcm');
    tunnel.close();
  });

  it('disjoint suites: a typed error on both sides, audited by the exit', async () => {
    const pair = await exitFor('tcp', { suites: ['aes-256-gcm'] });
    const entryFailures: RelayError[] = [];
    await expect(connect(pair, { suites: ['chacha20-poly1305'], tuning: { onFailure: (e) => entryFailures.push(e) } })).rejects.toMatchObject({
      code: 'ERR_RELAY_NO_COMMON_SUITE',
      reason: 'suites-disjoint',
    });
    expect(entryFailures.map((e) => e.reason)).toEqual(['suites-disjoint']);
    expect(pair.exitFailures.map((e) => e.reason)).toEqual(['suites-disjoint']);
  });

  it('a wrong pinned key: the exit cannot read message 1 and closes', async () => {
    const pair = await exitFor('tcp');
    await expect(connect(pair, { pinned: generateKeyPair().publicKey })).rejects.toMatchObject({ code: 'ERR_RELAY_HANDSHAKE', reason: 'handshake-closed' });
    expect(pair.exitFailures.map((e) => e.reason)).toEqual(['handshake-auth']);
  });

  it('an entry not in allow is refused without an answer', async () => {
    const pair = await exitFor('tcp', { allow: () => [generateKeyPair().publicKey] });
    await expect(connect(pair)).rejects.toMatchObject({ reason: 'handshake-closed' });
    expect(pair.exitFailures.map((e) => [e.code, e.reason])).toEqual([['ERR_RELAY_PEER_REFUSED', 'peer-not-allowed']]);
  });

  it('an empty allow lets nobody in', async () => {
    const pair = await exitFor('tcp', { allow: () => [] });
    await expect(connect(pair)).rejects.toMatchObject({ reason: 'handshake-closed' });
    expect(pair.exitFailures.map((e) => e.reason)).toEqual(['peer-not-allowed']);
  });

  it('a replayed first message is refused', async () => {
    const pair = await exitFor('tcp');
    // record the entry's first message through a tap, then send the same bytes again on a new connection
    const { createServer } = await import('node:net');
    let firstBytes = Buffer.alloc(0);
    const tap = createServer((client) => {
      const up = tcpConnect(pair.exit.port, '127.0.0.1');
      client.on('data', (d) => {
        if (firstBytes.length === 0) firstBytes = Buffer.from(d);
        up.write(d);
      });
      up.on('data', (d) => client.write(d));
      client.on('close', () => up.destroy());
      up.on('close', () => client.destroy());
      client.on('error', () => {});
      up.on('error', () => {});
    });
    await new Promise<void>((r) => tap.listen(0, '127.0.0.1', () => r()));
    const port = (tap.address() as { port: number }).port;
    const tunnel = await connect(pair, { port });
    tunnel.close();
    expect(firstBytes.length).toBeGreaterThan(96);
    const replay = tcpConnect(pair.exit.port, '127.0.0.1');
    replay.on('error', () => {});
    replay.write(firstBytes);
    await new Promise((r) => replay.on('close', r));
    tap.close();
    expect(pair.exitFailures.map((e) => e.reason)).toEqual(['handshake-replay']);
  });

  it.each([
    ['a short message', Buffer.from('0005abcdefabcd', 'hex'), 'handshake-malformed'],
    ['random bytes', Buffer.concat([Buffer.from([0, 120]), Buffer.alloc(120, 0x5a)]), 'handshake-auth'],
    ['an oversized length', Buffer.from('ffff00', 'hex'), 'handshake-malformed'],
  ])('garbage from the network (%s) is a typed refusal, not a crash', async (_name, bytes, reason) => {
    const pair = await exitFor('tcp');
    const socket = tcpConnect(pair.exit.port, '127.0.0.1');
    socket.on('error', () => {});
    socket.write(bytes);
    await new Promise((r) => socket.on('close', r));
    expect(pair.exitFailures.map((e) => e.reason)).toEqual([reason]);
  });
});
