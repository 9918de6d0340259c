/**
 * Upstream chaining end to end on 127.0.0.1 (docs/operations.md "Chaining: entry and exit"): a raw obfuscated2
 * client → entry mtshield ([upstream] mode = "relay") → exit mtshield ([relay]) → fake DC, both processes
 * assembled by src/app.ts. Every suite over TCP and over WebSocket; a wrong pinned key and an entry not in
 * `allow`: the client fails cleanly and the exit writes a "relay.tunnel_failed" security event (audited).
 */
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startApp, type App } from '../../../src/app.js';
import type { SecurityEvent } from '../../../src/events.js';
import { createLogger } from '../../../src/log/logger.js';
import { formatSecret, generateSecret } from '../../../src/protocol/secrets.js';
import { ALL_SUITES, generateKeyPair, formatPublicKey, loadOrCreateKeyFile, type RelaySuite, type RelayTransportKind } from '../../../src/upstream/relay/index.js';
import { startFakeDc, type FakeDc } from '../../helpers/fake-dc.js';
import { makeStateDir, testConfig } from '../../helpers/proxy.js';
import { obfuscatedClient } from '../../helpers/raw-client.js';

const logger = createLogger(process.env.MTSHIELD_TEST_LOG ?? 'silent');
let dc: FakeDc;
beforeAll(async () => {
  dc = await startFakeDc();
});
afterAll(async () => {
  await dc.close();
});

interface Chain {
  entry: App;
  exit: App;
  /** Stops the exit and starts it again on the same port (same key, same allow). */
  restartExit(): Promise<void>;
  exitEvents: SecurityEvent[];
  secret: ReturnType<typeof generateSecret>;
  stop(): Promise<void>;
}

async function startChain(options: { transport: RelayTransportKind; suite?: RelaySuite; pinWrongKey?: boolean; allowEntry?: boolean }): Promise<Chain> {
  const dir = makeStateDir();
  const exitKeyFile = join(dir, 'exit.key');
  const entryKeyFile = join(dir, 'entry.key');
  const exitKey = loadOrCreateKeyFile(exitKeyFile);
  const entryKey = loadOrCreateKeyFile(entryKeyFile);
  const to = [`127.0.0.1:${dc.port}`];
  const suites = options.suite ? [options.suite] : undefined;
  const exitInput = {
    upstream: { dc: { '2': to } },
    relay: { listen: '127.0.0.1:0', key_file: exitKeyFile, allow: options.allowEntry === false ? [] : [entryKey.publicKeyText], transport: options.transport, path: '/tunnel', suites },
  };
  const exit = await startApp(testConfig(exitInput, join(dir, 'exit')), logger);
  const exitEvents: SecurityEvent[] = [];
  exit.service.bus.on('security.event', (e) => exitEvents.push(e));
  const secret = generateSecret('dd');
  const entry = await startApp(
    testConfig(
      {
        server: { connect_timeout: '2s' },
        users: { alice: { secret: formatSecret(secret) } },
        upstream: {
          mode: 'relay',
          relay: {
            servers: [`127.0.0.1:${exit.relayExit!.servers[0]!.port}`],
            public_key: options.pinWrongKey ? formatPublicKey(generateKeyPair().publicKey) : exitKey.publicKeyText,
            key_file: entryKeyFile,
            transport: options.transport,
            path: '/tunnel',
            suites,
          },
        },
      },
      join(dir, 'entry'),
    ),
    logger,
  );
  const chain: Chain = {
    entry,
    exit,
    exitEvents,
    secret,
    async restartExit() {
      const port = chain.exit.relayExit!.servers[0]!.port;
      await chain.exit.stop(0);
      chain.exit = await startApp(testConfig({ ...exitInput, relay: { ...exitInput.relay, listen: `127.0.0.1:${port}` } }, join(dir, 'exit')), logger);
    },
    async stop() {
      await entry.stop(0);
      await chain.exit.stop(0);
    },
  };
  return chain;
}

async function echoRoundTrip(chain: Chain, sizes: number[]): Promise<void> {
  const client = await obfuscatedClient(chain.entry.service.server.addresses()[0]!.port, chain.secret.key, { kind: 'intermediate', dc: 2 });
  try {
    for (const size of sizes) {
      const payload = randomBytes(size);
      client.send(payload);
      expect(Buffer.from(await client.receive(10_000)).equals(payload)).toBe(true);
    }
  } finally {
    client.socket.destroy();
  }
}

const SIZES = [16, 200, 900, 4096, 70_000];

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
  async function expectCleanFailure(chain: Chain): Promise<void> {
    const client = await obfuscatedClient(chain.entry.service.server.addresses()[0]!.port, chain.secret.key, { kind: 'intermediate', dc: 2 });
    const closed = new Promise<void>((resolve) => {
      client.socket.once('end', () => resolve());
      client.socket.once('close', () => resolve());
    });
    client.send(randomBytes(64));
    await closed; // the entry closes the client when no tunnel comes up within connect_timeout
    client.socket.destroy();
  }

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
