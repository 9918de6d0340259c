/**
 * Network fuzzing of the data plane of the assembled process (src/app.ts): random bytes, TLS record headers
 * with absurd lengths, a valid hello followed by garbage, obfuscated2 headers with every tag and random DC ids,
 * slowloris, resets mid-handshake and half-open connections — all at once, while an honest mtcute client keeps
 * being served. Each fuzz connection must end (closed, or spliced to the fronting site) within its deadline;
 * the process must never throw (no uncaught exception or unhandled rejection).
 *
 * Deadlines: handshake_timeout is 1 s (drawn in 0.75–1.25 s), idle_timeout 3 s; 6 s covers both plus the sweep.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { buildClientHello } from '../../src/protocol/faketls.js';
import { buildClientHeader, type ProtocolTag } from '../../src/protocol/obfuscated2.js';
import { mtcuteClient } from '../helpers/clients.js';
import { connectTo } from '../helpers/net.js';
import { FAKE_TLS_DOMAIN, FUZZ_SEED as SEED, inBatches, outcomeOf, useStack, type Outcome, type Stack } from '../hardening/stack.js';

const DEADLINE_MS = 6_000;
const TAGS: ProtocolTag[] = ['abridged', 'intermediate', 'padded'];

let stack: Stack;
// One loopback address plays both the fuzzer and the honest client. The per-source limits, enforced by default
// (test/attacks/per-ip-cap-default.test.ts), would turn the fuzz away at the gate, before the parsers this test
// exercises, and the honest client with it: here they only count.
const monitorPerSourceLimits = { policy: { rate_limits: { mode: 'monitor' }, ip_connection_limits: { mode: 'monitor' } } };
const guard = useStack((s) => (stack = s), { extra: monitorPerSourceLimits });

/** One honest round trip through the proxy with the ee user (mtcute's MtProxyTcpTransport). */
async function honestRoundTrip(): Promise<void> {
  const client = await mtcuteClient(stack.port, stack.users.ee.secret, { id: 2 });
  try {
    const frame = new Uint8Array(64).map((_, i) => i);
    await client.send(frame);
    const back = await client.receive(5_000);
    expect(Buffer.from(back).subarray(0, 64)).toEqual(Buffer.from(frame));
  } finally {
    await client.close();
  }
}

const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Client ports of the sessions the proxy holds right now. */
function liveSessionPorts(): Set<number> {
  const sessions = (stack.app.service.server as unknown as { sessions: Map<number, { ref: { remotePort: number } }> }).sessions;
  return new Set([...sessions.values()].map((s) => s.ref.remotePort));
}

type Case = { kind: string; run: () => Promise<Outcome>; port?: number };

/** Connect, write `bytes` (optionally in two parts), optionally half-close, then wait for the outcome. */
function sendCase(kind: string, bytes: Uint8Array, options: { end?: boolean; cut?: number } = {}): Case {
  return {
    kind,
    async run() {
      const socket = await connectTo(stack.port);
      this.port = socket.localPort;
      const outcome = outcomeOf(stack, socket, DEADLINE_MS);
      const cut = Math.min(options.cut ?? bytes.length, bytes.length);
      socket.write(bytes.subarray(0, cut));
      if (cut < bytes.length) {
        await pause(10);
        if (!socket.destroyed) socket.write(bytes.subarray(cut));
      }
      if (options.end && !socket.destroyed) socket.end();
      return outcome;
    },
  };
}

function randomBytesCases(): Case[] {
  const arb = fc.record({
    bytes: fc.uint8Array({ minLength: 0, maxLength: 4096 }),
    end: fc.boolean(),
    cut: fc.nat({ max: 4096 }),
  });
  return fc.sample(arb, { numRuns: 60, seed: SEED }).map((c) => sendCase('random', c.bytes, c));
}

function tlsHeaderCases(): Case[] {
  const arb = fc.record({
    type: fc.constantFrom(0x16, 0x16, 0x17, 0x14, 0x15, 0xff),
    version: fc.constantFrom(0x0301, 0x0303, 0x0300, 0xffff, 0x0000),
    length: fc.oneof(fc.constantFrom(0, 1, 4, 16_384, 16_385, 16_640, 16_641, 0xffff), fc.nat({ max: 0xffff })),
    body: fc.uint8Array({ maxLength: 600 }),
    end: fc.boolean(),
  });
  return fc.sample(arb, { numRuns: 30, seed: SEED + 1 }).map((c) => {
    const head = Uint8Array.of(c.type, c.version >> 8, c.version & 0xff, c.length >> 8, c.length & 0xff);
    return sendCase('tls-header', Buffer.concat([head, c.body]), { end: c.end });
  });
}

function helloThenGarbageCases(): Case[] {
  const arb = fc.record({
    garbage: fc.uint8Array({ minLength: 1, maxLength: 3000 }),
    asRecord: fc.boolean(),
    absurd: fc.nat({ max: 0xffff }),
    end: fc.boolean(),
  });
  return fc.sample(arb, { numRuns: 16, seed: SEED + 2 }).map((c) => {
    const hello = buildClientHello(stack.users.ee.parsed.key, FAKE_TLS_DOMAIN, Date.now()).record;
    // Garbage either raw, or inside an application-data record header claiming an absurd length.
    const tail = c.asRecord ? Buffer.concat([Uint8Array.of(0x17, 0x03, 0x03, c.absurd >> 8, c.absurd & 0xff), c.garbage]) : c.garbage;
    return sendCase('hello+garbage', Buffer.concat([hello, tail]), { end: c.end, cut: hello.length });
  });
}

function obfuscatedHeaderCases(): Case[] {
  const arb = fc.record({
    user: fc.constantFrom('plain', 'dd', 'ee') as fc.Arbitrary<'plain' | 'dd' | 'ee'>,
    tag: fc.constantFrom(...TAGS),
    dc: fc.oneof(fc.constantFrom(0, 1, -1, 203, -203, 10_002, -10_002, 32_767, -32_768, 999), fc.integer({ min: -32_768, max: 32_767 })),
    garbage: fc.uint8Array({ maxLength: 2000 }),
  });
  return fc.sample(arb, { numRuns: 30, seed: SEED + 3 }).map((c) => {
    const header = buildClientHeader(stack.users[c.user].parsed.key, c.tag, c.dc).header;
    // A valid header (the user's key) then undecodable frames, then FIN: relayed or refused, it must end.
    return sendCase(`o2-${c.tag}-${c.dc}`, Buffer.concat([header, c.garbage]), { end: true, cut: 64 });
  });
}

function slowlorisCases(): Case[] {
  return [0, 1, 2].map((n) => ({
    kind: 'slowloris',
    async run() {
      const hello = buildClientHello(stack.users.ee.parsed.key, FAKE_TLS_DOMAIN, Date.now()).record;
      const bytes = n === 0 ? hello : n === 1 ? buildClientHeader(stack.users.dd.parsed.key, 'padded', 2).header : new Uint8Array(60).fill(0x41);
      const socket = await connectTo(stack.port);
      const outcome = outcomeOf(stack, socket, DEADLINE_MS);
      let settled = false;
      void outcome.then(() => (settled = true));
      // One byte every 100 ms, at most 50 bytes (5 s), until the proxy gives up on us.
      for (let i = 0; i < Math.min(50, bytes.length) && !settled && !socket.destroyed; i++) {
        socket.write(bytes.subarray(i, i + 1));
        await pause(100);
      }
      return outcome;
    },
  }));
}

function resetCases(): Case[] {
  const arb = fc.record({ prefix: fc.nat({ max: 1000 }), ee: fc.boolean(), waitMs: fc.nat({ max: 50 }) });
  return fc.sample(arb, { numRuns: 16, seed: SEED + 4 }).map((c): Case => ({
    kind: 'reset',
    async run(): Promise<Outcome> {
      const bytes = c.ee
        ? buildClientHello(stack.users.ee.parsed.key, FAKE_TLS_DOMAIN, Date.now()).record
        : buildClientHeader(stack.users.plain.parsed.key, 'intermediate', 2).header;
      const socket = await connectTo(stack.port);
      const port = socket.localPort!;
      this.port = port;
      socket.on('error', () => {});
      socket.write(bytes.subarray(0, Math.min(c.prefix, bytes.length - 1)));
      await pause(c.waitMs);
      socket.resetAndDestroy();
      // The client side is gone; the proxy must notice and close its side. A socket reset before the proxy
      // accepted it is dropped without a session or an event (it has no peer address any more).
      const until = Date.now() + DEADLINE_MS;
      const settle = Date.now() + 300;
      while (Date.now() < until) {
        if (stack.closedPorts.has(port)) return 'closed';
        if (Date.now() > settle && !stack.eventsByPort.has(port) && !liveSessionPorts().has(port)) return 'closed';
        await pause(20);
      }
      return 'open';
    },
  }));
}

function halfOpenCases(): Case[] {
  const arb = fc.record({ prefix: fc.nat({ max: 200 }), dd: fc.boolean() });
  return fc.sample(arb, { numRuns: 10, seed: SEED + 5 }).map((c) => {
    const bytes = c.dd ? buildClientHeader(stack.users.dd.parsed.key, 'padded', 2).header : buildClientHello(stack.users.ee.parsed.key, FAKE_TLS_DOMAIN, Date.now()).record;
    return sendCase('half-open', bytes.subarray(0, Math.min(c.prefix, bytes.length - 1)), { end: true });
  });
}

describe('data-plane fuzzing of the assembled process', () => {
  it('ends every fuzz connection within its deadline while an honest client is served', async () => {
    await honestRoundTrip(); // before

    const cases = [
      ...randomBytesCases(),
      ...tlsHeaderCases(),
      ...helloThenGarbageCases(),
      ...obfuscatedHeaderCases(),
      ...slowlorisCases(),
      ...resetCases(),
      ...halfOpenCases(),
    ];
    let fuzzing = true;
    let honest = 0;
    const during = (async () => {
      while (fuzzing) {
        await honestRoundTrip();
        honest++;
        await pause(50);
      }
    })();
    const outcomes = await inBatches(cases.map((c) => () => c.run()), 40);
    fuzzing = false;
    await during;

    expect(guard.seen.map(String), 'uncaught exceptions / unhandled rejections').toEqual([]);
    const stuck = cases
      .map((c, i) => ({ kind: c.kind, outcome: outcomes[i], events: stack.eventsByPort.get(c.port ?? -1) }))
      .filter((r) => r.outcome === 'open');
    expect(stuck, 'fuzz connections still open after their deadline').toEqual([]);
    expect(honest).toBeGreaterThanOrEqual(3);
    const counts: Record<string, number> = {};
    for (const o of outcomes) counts[o] = (counts[o] ?? 0) + 1;
    expect(counts.closed ?? 0).toBeGreaterThan(0);
    expect(counts.fronted ?? 0).toBeGreaterThan(0);

    await honestRoundTrip(); // after
    // Nothing left behind: every fuzz session ended on the server side too.
    const until = Date.now() + DEADLINE_MS;
    while (stack.app.service.server.stats().connections.active > 0 && Date.now() < until) await pause(50);
    const left = [...((stack.app.service.server as unknown as { sessions: Map<number, any> }).sessions.values())].map(
      (s) => `${s.state} port=${s.ref.remotePort} in=${s.fromClient} out=${s.toClient} ${JSON.stringify(stack.eventsByPort.get(s.ref.remotePort))}`,
    );
    expect(left, 'sessions left on the server').toEqual([]);
    expect(guard.seen.map(String), 'uncaught exceptions / unhandled rejections').toEqual([]);
  }, 45_000);
});

