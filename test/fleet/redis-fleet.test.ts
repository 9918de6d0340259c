/**
 * Two `mtshield run` processes on one real redis-server (127.0.0.1), `[state] backend = "redis"`, the fake DC
 * behind both: a hello replayed to the other process is refused, a block set through one's admin API bites on
 * the other, and Redis stopped and started again mid-run (clients keep being served while it is down — the
 * checks fail open — and sharing works again once it is back). Skipped when redis-server is absent.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildClientHeader } from '../../src/protocol/obfuscated2.js';
import { formatSecret, generateSecret } from '../../src/protocol/secrets.js';
import { generateAdminToken } from '../../src/security/index.js';
import { runCli, type CliProcess } from '../helpers/cli.js';
import { startFakeDc, type FakeDc } from '../helpers/fake-dc.js';
import { freePort } from '../helpers/net.js';
import { obfuscatedClient, type RawClient } from '../helpers/raw-client.js';
import { RestartableRedis, redisAvailable } from '../state/redis-server.js';

const available = redisAvailable();
const alice = generateSecret('dd');
const admin = generateAdminToken();

async function relays(client: RawClient): Promise<boolean> {
  client.socket.on('error', () => {}); // a refused client may see a reset
  try {
    client.send(new Uint8Array(64).fill(9));
    return (await client.receive(3_000)).length === 64;
  } catch {
    return false;
  } finally {
    client.socket.destroy();
  }
}

describe.skipIf(!available)('two mtshield processes on one Redis', () => {
  let redis: RestartableRedis;
  let dc: FakeDc;
  let dir: string;
  const nodes: { cli: CliProcess; port: number; adminPort: number }[] = [];

  async function startNode(name: string) {
    const port = await freePort();
    const adminPort = await freePort();
    const file = join(dir, `${name}.toml`);
    writeFileSync(
      file,
      `[server]\nlisten = ["127.0.0.1:${port}"]\nstate_dir = "${join(dir, name)}"\n[state]\nbackend = "redis"\nredis_url = "${redis.url}"\n` +
        `[upstream.dc]\n"2" = ["127.0.0.1:${dc.port}"]\n[admin]\nlisten = "127.0.0.1:${adminPort}"\n` +
        `[[admin.tokens]]\nname = "ops"\nlevel = "admin"\nsha256 = "${admin.sha256}"\n[users.alice]\nsecret = "${formatSecret(alice)}"\n`,
    );
    const cli = runCli(['run', '--config', file], dir);
    await cli.waitForLog((l) => l['msg'] === 'ready', 60_000);
    nodes.push({ cli, port, adminPort });
  }

  beforeAll(async () => {
    redis = await RestartableRedis.start();
    dc = await startFakeDc();
    dir = mkdtempSync(join(tmpdir(), 'mtshield-redis-fleet-'));
    await Promise.all([startNode('a'), startNode('b')]);
  }, 120_000);

  afterAll(async () => {
    for (const node of nodes) {
      node.cli.child.kill('SIGTERM');
      await node.cli.exited(15_000).catch(() => node.cli.stop());
    }
    await dc?.close();
    await redis?.down();
    rmSync(dir, { recursive: true, force: true });
  });

  it('a hello replayed to the other process is refused', async () => {
    const [a, b] = nodes;
    const header = buildClientHeader(alice.key, 'padded', 2);
    expect(await relays(await obfuscatedClient(a!.port, alice.key, { header }))).toBe(true);
    expect(await relays(await obfuscatedClient(b!.port, alice.key, { header }))).toBe(false);
    expect(await relays(await obfuscatedClient(b!.port, alice.key))).toBe(true);
  });

  it('Redis stopped and started again mid-run: clients are served meanwhile, sharing comes back', async () => {
    const [a, b] = nodes;
    await redis.down();
    expect(await relays(await obfuscatedClient(a!.port, alice.key))).toBe(true); // fail open, no hang
    await redis.up();
    const header = buildClientHeader(alice.key, 'padded', 2);
    // The client reconnects with backoff (at most 2 s): wait until a replay is refused again.
    let refused = false;
    for (let i = 0; i < 20 && !refused; i++) {
      await new Promise((r) => setTimeout(r, 500));
      const fresh = buildClientHeader(alice.key, 'padded', 2);
      if (!(await relays(await obfuscatedClient(a!.port, alice.key, { header: fresh })))) continue;
      refused = !(await relays(await obfuscatedClient(b!.port, alice.key, { header: fresh })));
    }
    expect(refused).toBe(true);
    expect(header.header.length).toBe(64);
  }, 60_000);

  it('a block set through the admin API of one bites on the other', async () => {
    const [a, b] = nodes;
    const res = await fetch(`http://127.0.0.1:${a!.adminPort}/api/v1/blocks`, {
      method: 'POST',
      headers: { authorization: `Bearer ${admin.token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ ip: '127.0.0.1', reason: 'fleet test' }),
    });
    expect(res.status).toBe(201);
    let blocked = false;
    for (let i = 0; i < 10 && !blocked; i++) {
      await new Promise((r) => setTimeout(r, 500));
      blocked = !(await relays(await obfuscatedClient(b!.port, alice.key)));
    }
    expect(blocked).toBe(true);
  }, 30_000);

  // A quota shared and a user added on one served by the other: test/state/redis-shared-users.test.ts.
});
