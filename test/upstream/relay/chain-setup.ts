/**
 * An entry and an exit mtshield on 127.0.0.1, both assembled by src/app.ts (docs/operations.md "Chaining: entry
 * and exit"), in front of a fake DC: the exit's security events are recorded and its audit log is written to a
 * file, and the entry can be pointed at a man in the middle (`via`) instead of the exit itself.
 */
import { randomBytes } from 'node:crypto';
import { readFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'vitest';
import { startApp, type App } from '../../../src/app.js';
import type { SecurityEvent } from '../../../src/events.js';
import { createLogger } from '../../../src/log/logger.js';
import { formatSecret, generateSecret } from '../../../src/protocol/secrets.js';
import { generateKeyPair, formatPublicKey, loadOrCreateKeyFile, type RelaySuite, type RelayTransportKind } from '../../../src/upstream/relay/index.js';
import type { FakeDc } from '../../helpers/fake-dc.js';
import { makeStateDir, testConfig } from '../../helpers/proxy.js';
import { obfuscatedClient } from '../../helpers/raw-client.js';

const logger = createLogger(process.env.MTSHIELD_TEST_LOG ?? 'silent');

export interface Chain {
  entry: App;
  exit: App;
  /** Stops the exit and starts it again on the same port (same key, same allow). */
  restartExit(): Promise<void>;
  exitEvents: SecurityEvent[];
  /** The exit's audit log, one parsed JSON line each. */
  exitAudit(): Array<Record<string, unknown>>;
  secret: ReturnType<typeof generateSecret>;
  stop(): Promise<void>;
}

export interface ChainOptions {
  transport: RelayTransportKind;
  /** Both sides' suites (one list), or each side's own. */
  suite?: RelaySuite;
  entrySuites?: RelaySuite[];
  exitSuites?: RelaySuite[];
  pinWrongKey?: boolean;
  allowEntry?: boolean;
  /** Given the exit's relay port, the port the entry should dial instead (a man in the middle). */
  via?: (exitPort: number) => Promise<number> | number;
  /** Both sides serve their admin plane (/metrics) on 127.0.0.1. */
  admin?: boolean;
}

export async function startChain(dc: FakeDc, options: ChainOptions): Promise<Chain> {
  const dir = makeStateDir();
  const exitKeyFile = join(dir, 'exit.key');
  const entryKeyFile = join(dir, 'entry.key');
  const auditFile = join(dir, 'exit-audit.jsonl');
  const exitKey = loadOrCreateKeyFile(exitKeyFile);
  const entryKey = loadOrCreateKeyFile(entryKeyFile);
  const to = [`127.0.0.1:${dc.port}`];
  const one = options.suite ? [options.suite] : undefined;
  const admin = options.admin ? { admin: { listen: '127.0.0.1:0' } } : {};
  const exitInput = {
    ...admin,
    upstream: { dc: { '2': to } },
    audit: { file: auditFile },
    relay: {
      listen: '127.0.0.1:0',
      key_file: exitKeyFile,
      allow: options.allowEntry === false ? [] : [entryKey.publicKeyText],
      transport: options.transport,
      path: '/tunnel',
      suites: options.exitSuites ?? one,
    },
  };
  const exit = await startApp(testConfig(exitInput, join(dir, 'exit')), logger);
  const exitEvents: SecurityEvent[] = [];
  exit.service.bus.on('security.event', (e) => exitEvents.push(e));
  const exitPort = exit.relayExit!.servers[0]!.port;
  const entryPort = options.via ? await options.via(exitPort) : exitPort;
  const secret = generateSecret('dd');
  const entry = await startApp(
    testConfig(
      {
        ...admin,
        server: { connect_timeout: '2s' },
        users: { alice: { secret: formatSecret(secret) } },
        upstream: {
          mode: 'relay',
          relay: {
            servers: [`127.0.0.1:${entryPort}`],
            public_key: options.pinWrongKey ? formatPublicKey(generateKeyPair().publicKey) : exitKey.publicKeyText,
            key_file: entryKeyFile,
            transport: options.transport,
            path: '/tunnel',
            suites: options.entrySuites ?? one,
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
    exitAudit: () =>
      existsSync(auditFile)
        ? readFileSync(auditFile, 'utf8').split('\n').filter(Boolean).map((line) => JSON.parse(line) as Record<string, unknown>)
        : [],
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

/** A raw obfuscated2 client through the entry: each payload must come back from the fake DC's echo. */
export async function echoRoundTrip(chain: Chain, sizes: number[]): Promise<void> {
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

/** A client whose tunnel is refused: the entry closes it (FIN or close) once no tunnel comes up. */
export async function expectCleanFailure(chain: Chain): Promise<void> {
  const client = await obfuscatedClient(chain.entry.service.server.addresses()[0]!.port, chain.secret.key, { kind: 'intermediate', dc: 2 });
  client.socket.on('error', () => {});
  const closed = new Promise<void>((resolve) => {
    client.socket.once('end', () => resolve());
    client.socket.once('close', () => resolve());
  });
  client.send(randomBytes(64));
  await closed; // the entry closes the client when no tunnel comes up within connect_timeout
  client.socket.destroy();
}
