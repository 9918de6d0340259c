/**
 * Upstream chaining end to end on 127.0.0.1 (docs/operations.md "Chaining: entry and exit"): a raw obfuscated2
 * client → entry mtshield ([upstream] mode = "relay") → exit mtshield ([relay]) → fake DC, both processes
 * assembled by src/app.ts. Every suite over TCP and over WebSocket; a wrong pinned key and an entry not in
 * `allow`: the client fails cleanly and the exit writes a "relay.tunnel_failed" security event (audited).
 */
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ALL_SUITES, type RelaySuite, type RelayTransportKind } from '../../../src/upstream/relay/index.js';
import { startFakeDc, type FakeDc } from '../../helpers/fake-dc.js';
import { obfuscatedClient } from '../../helpers/raw-client.js';
import { echoRoundTrip, expectCleanFailure, startChain as startChainOn, type Chain } from './chain-setup.js';

const startChain = (options: { transport: RelayTransportKind; suite?: RelaySuite; pinWrongKey?: boolean; allowEntry?: boolean }): Promise<Chain> => startChainOn(dc, options);
let dc: FakeDc;
beforeAll(async () => {
  dc = await startFakeDc();
});
afterAll(async () => {
  await dc.close();
});

const SIZES = [16, 200, 900, 4096, 70_000];

/** The bytes /metrics shows for `suite` through the tunnel's record crypto, summed over backends and directions. */
async function suiteBytes(url: string, suite: RelaySuite): Promise<number> {
  const text = await (await fetch(`${url}/metrics`)).text();
  const lines = text.split('\n').filter((l) => l.startsWith(`mtshield_kernel_bytes_total{algorithm="${suite}"`));
  return lines.reduce((sum, l) => sum + Number(l.split(' ').pop()), 0);
}

describe('the tunnel in /metrics', () => {
  it('entry and exit show the bytes sealed and opened per suite and backend', async () => {
    const chain = await startChainOn(dc, { transport: 'tcp', suite: 'chacha20-poly1305', admin: true });
    try {
      await echoRoundTrip(chain, SIZES);
      const sent = SIZES.reduce((a, b) => a + b, 0);
      // each side seals what it sends and opens what it receives: at least the payloads, both ways
      for (const app of [chain.entry, chain.exit]) {
        expect(await suiteBytes(app.admin!.url, 'chacha20-poly1305')).toBeGreaterThanOrEqual(2 * sent);
        const text = await (await fetch(`${app.admin!.url}/metrics`)).text();
        expect(text).toMatch(/mtshield_kernel_bytes_total\{algorithm="chacha20-poly1305",backend="[a-z-]+",direction="seal"\} \d+/);
        expect(text).toMatch(/mtshield_kernel_bytes_total\{algorithm="chacha20-poly1305",backend="[a-z-]+",direction="open"\} \d+/);
      }
    } finally {
      await chain.stop();
    }
  });
});

describe('client → entry → exit → DC', () => {
  for (const transport of ['tcp', 'websocket'] as const) {
    for (const suite of ALL_SUITES) {
      it(`relays MTProto both ways over ${transport} with ${suite}`, async () => {
        const chain = await startChain({ transport, suite });
        try {
          await echoRoundTrip(chain, SIZES);
          const tunnel = await chain.entry.relayEntry!.connector.tunnel();
          expect(tunnel.suite).toBe(suite);
          expect(chain.exitEvents).toEqual([]);
        } finally {
          await chain.stop();
        }
      });
    }
  }

  it('several clients share one tunnel at the same time', async () => {
    const chain = await startChain({ transport: 'tcp' });
    try {
      await Promise.all(Array.from({ length: 20 }, () => echoRoundTrip(chain, [100, 3000])));
      expect(chain.exit.relayExit!.servers[0]!.tunnels.size).toBe(1);
    } finally {
      await chain.stop();
    }
  });
});

describe('the exit restarted under load', () => {
  it('clients in flight end cleanly, the entry reconnects and new clients get through', async () => {
    const chain = await startChain({ transport: 'tcp' });
    try {
      await echoRoundTrip(chain, [100]);
      const port = chain.entry.service.server.addresses()[0]!.port;
      // Load: clients that keep sending while the exit goes away.
      const busy = await Promise.all(Array.from({ length: 10 }, () => obfuscatedClient(port, chain.secret.key, { kind: 'intermediate', dc: 2 })));
      for (const c of busy) c.socket.on('error', () => {}); // writes racing the close: EPIPE is expected here
      const ended = busy.map((c) => new Promise<void>((resolve) => (c.socket.once('end', () => resolve()), c.socket.once('close', () => resolve()))));
      const pump = setInterval(() => busy.forEach((c) => !c.socket.destroyed && c.send(randomBytes(700))), 5);
      await new Promise((r) => setTimeout(r, 100));
      await chain.restartExit();
      await Promise.all(ended); // every stream of the dead tunnel ended its client
      clearInterval(pump);
      busy.forEach((c) => c.socket.destroy());
      await echoRoundTrip(chain, [100, 5000]);
      expect(chain.exit.relayExit!.servers[0]!.tunnels.size).toBe(1);
    } finally {
      await chain.stop();
    }
  });
});

describe('refused tunnels', () => {
  it('a wrong pinned key: the client is closed and the exit audits the refused handshake', async () => {
    const chain = await startChain({ transport: 'tcp', pinWrongKey: true });
    try {
      await expectCleanFailure(chain);
      expect(chain.exitEvents.some((e) => e.type === 'relay.tunnel_failed')).toBe(true);
    } finally {
      await chain.stop();
    }
  });

  it('an entry not in allow: the client is closed and the exit audits the refusal', async () => {
    const chain = await startChain({ transport: 'tcp', allowEntry: false });
    try {
      await expectCleanFailure(chain);
      const refused = chain.exitEvents.filter((e) => e.type === 'relay.tunnel_failed');
      expect(refused.length).toBeGreaterThan(0);
      expect(refused[0]!.details).toMatchObject({ reason: 'peer-not-allowed' });
      expect(refused[0]!.ip).toBe('127.0.0.1');
    } finally {
      await chain.stop();
    }
  });
});
