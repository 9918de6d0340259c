/**
 * Two `mtshield run` processes on one real redis-server (127.0.0.1), `[state] backend = "redis"`, the fake DC
 * behind both: a user's data quota is shared (bytes relayed through both add up in Redis and the quota bites
 * on both), and a user added through one's admin API is served by the other (the overlay's version key, read
 * every second). Skipped when redis-server is absent.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { formatSecret, generateSecret } from '../../src/protocol/secrets.js';
import { generateAdminToken } from '../../src/security/index.js';
import { runCli, type CliProcess } from '../helpers/cli.js';
import { startFakeDc, type FakeDc } from '../helpers/fake-dc.js';
import { freePort } from '../helpers/net.js';
import { obfuscatedClient } from '../helpers/raw-client.js';
import { relays } from '../cluster/group-run.js';
import { RestartableRedis, redisAvailable } from './redis-server.js';

const alice = generateSecret('dd');
const carol = generateSecret('dd');
const admin = generateAdminToken();

describe.skipIf(!redisAvailable())('users shared by two mtshield processes on one Redis', () => {
  let redis: RestartableRedis;
  let dc: FakeDc;
  let dir: string;
  const nodes: { cli: CliProcess; port: number; adminPort: number }[] = [];

  async function startNode(name: string): Promise<void> {
    const port = await freePort();
    const adminPort = await freePort();
    const file = join(dir, `${name}.toml`);
    writeFileSync(
      file,
      `[server]\nlisten = ["127.0.0.1:${port}"]\nstate_dir = "${join(dir, name)}"\n[state]\nbackend = "redis"\nredis_url = "${redis.url}"\n` +
        `[upstream.dc]\n"2" = ["127.0.0.1:${dc.port}"]\n[admin]\nlisten = "127.0.0.1:${adminPort}"\n` +
        `[[admin.tokens]]\nname = "ops"\nlevel = "admin"\nsha256 = "${admin.sha256}"\n[users.alice]\nsecret = "${formatSecret(alice)}"\nquota = "160KiB"\n`,
    );
    const cli = runCli(['run', '--config', file], dir);
    await cli.waitForLog((l) => l['msg'] === 'ready', 60_000);
    nodes.push({ cli, port, adminPort });
  }

  beforeAll(async () => {
    redis = await RestartableRedis.start();
    dc = await startFakeDc();
    dir = mkdtempSync(join(tmpdir(), 'mtshield-redis-users-'));
    await startNode('a');
    await startNode('b');
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

  it('a data quota is shared: bytes relayed through both processes add up and the quota bites on both', async () => {
    // Each relays 2 × 48 KiB plus its handshake: under 160 KiB alone, over it together.
    for (const node of nodes) {
      const client = await obfuscatedClient(node.port, alice.key);
      expect(await relays(client, 48 * 1024)).toBe(true);
      client.socket.destroy();
    }
    await new Promise((r) => setTimeout(r, 2_500)); // one flush of each, one re-read of the total
    for (const node of nodes) {
      const client = await obfuscatedClient(node.port, alice.key);
      expect(await relays(client)).toBe(false);
      client.socket.destroy();
    }
  }, 60_000);

  it('a user added through the API on one is served by the other', async () => {
    const [a, b] = nodes;
    const before = await obfuscatedClient(b!.port, carol.key);
    expect(await relays(before)).toBe(false);
    before.socket.destroy();
    const res = await fetch(`http://127.0.0.1:${a!.adminPort}/api/v1/users`, {
      method: 'POST',
      headers: { authorization: `Bearer ${admin.token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'carol', secret: formatSecret(carol) }),
    });
    expect(res.status).toBe(201);
    let served = false;
    for (let i = 0; i < 10 && !served; i++) {
      await new Promise((r) => setTimeout(r, 500));
      const client = await obfuscatedClient(b!.port, carol.key);
      served = await relays(client);
      client.socket.destroy();
    }
    expect(served).toBe(true);
  }, 60_000);
});
