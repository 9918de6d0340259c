/**
 * Run-time changes kept across SIGHUP and restart (docs/admin-api.md "Run-time changes and the config file"):
 * users added, changed and deleted, where each user comes from, access rules with their order and ids, admin
 * tokens, a scheduled key_rotation, and the same with the Redis backend (skipped without redis-server).
 * A real `mtshield run` child with its admin API on 127.0.0.1.
 */
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { formatSecret, generateSecret } from '../../src/protocol/secrets.js';
import { RedisStateStore } from '../../src/state/redis.js';
import { redisAvailable, startRedis, type RedisServer } from '../helpers/redis.js';
import { api, keyWorks, runtimeFixture, sighup, type RunningProxy } from '../helpers/runtime-proxy.js';

const alice = formatSecret(generateSecret('dd'));
const carol = formatSecret(generateSecret('dd'));
const f = runtimeFixture();

async function users(p: RunningProxy): Promise<Record<string, string>> {
  const list = (await api(p, 'GET', '/api/v1/users')).body.users as { name: string; source: string }[];
  return Object.fromEntries(list.map((u) => [u.name, u.source]));
}

describe('users across SIGHUP and restart', () => {
  it('a deleted config user stays deleted, a changed one keeps its change, and GET /api/v1/users says where each comes from', async () => {
    const file = f.configFile(`[users.alice]\nsecret = "${alice}"\n[users.carol]\nsecret = "${carol}"\n`);
    let proxy = await f.start(file);
    expect(await users(proxy)).toEqual({ alice: 'config', carol: 'config' });
    expect((await api(proxy, 'DELETE', '/api/v1/users/carol')).status).toBe(204);
    expect((await api(proxy, 'POST', '/api/v1/users', { name: 'alice', secret: alice, max_connections: 3 })).status).toBe(200);

    for (const step of ['SIGHUP', 'restart']) {
      if (step === 'SIGHUP') await sighup(proxy);
      else proxy = await f.restart(file);
      expect(await users(proxy), step).toEqual({ alice: 'config+api' });
      expect((await api(proxy, 'GET', '/api/v1/users/alice')).body.maxConnections, step).toBe(3);
      expect(await keyWorks(proxy.port, carol), `carol after ${step}`).toBe(false);
      expect(await keyWorks(proxy.port, alice), `alice after ${step}`).toBe(true);
    }
  }, 90_000);

  it('a scheduled key_rotation survives a restart: the rotated key works, the config key does not', async () => {
    const linksFile = join(tmpdir(), `mtshield-links-${process.pid}-${Date.now()}.txt`);
    const users = `[users.alice]\nsecret = "${alice}"\n[security]\nrotation_links_file = ${JSON.stringify(linksFile)}\n`;
    const file = f.configFile(`${users}[policy.key_rotation]\nmode = "enforce"\ninterval = "2s"\ngrace = "0s"\n`);
    try {
      let proxy = await f.start(file);
      await proxy.cli.waitForLog((l) => String(l['msg']).startsWith('scheduled key rotation done'));
      // The schedule off, so the restart shows what the first rotation left behind.
      f.rewrite(`${users}[policy.key_rotation]\nmode = "off"\n`);
      proxy = await f.restart(file);
      const rotated = /^alice\t(?:\S*secret=)?([0-9a-f]{32,})/m.exec(readFileSync(linksFile, 'utf8'))![1]!;
      expect(rotated).not.toBe(alice);
      expect(await keyWorks(proxy.port, rotated)).toBe(true);
      expect(await keyWorks(proxy.port, alice)).toBe(false);
    } finally {
      rmSync(linksFile, { force: true });
    }
  }, 90_000);
});

describe('access rules and tokens across SIGHUP and restart', () => {
  it('API rules keep their ids and their places among the config rules', async () => {
    const file = f.configFile(
      `[users.alice]\nsecret = "${alice}"\n[[access.rules]]\nname = "c1"\naction = "deny"\ncidr = "198.51.100.0/24"\n[[access.rules]]\nname = "c2"\naction = "allow"\ncidr = "203.0.113.0/24"\n`,
    );
    let proxy = await f.start(file);
    await api(proxy, 'POST', '/api/v1/acl', { name: 'top', action: 'deny', cidr: '192.0.2.1', position: 0 });
    await api(proxy, 'POST', '/api/v1/acl', { name: 'middle', action: 'deny', cidr: '192.0.2.2', position: 2 });
    const order = async () => ((await api(proxy, 'GET', '/api/v1/acl')).body.rules as { id: string; name: string }[]).map((r) => `${r.name}:${r.id.startsWith('config-') ? r.id : 'api'}`);
    const ids = async () => ((await api(proxy, 'GET', '/api/v1/acl')).body.rules as { id: string }[]).map((r) => r.id);
    const before = await ids();
    expect(await order()).toEqual(['top:api', 'c1:config-1', 'middle:api', 'c2:config-2']);
    await sighup(proxy);
    expect(await ids(), 'after SIGHUP').toEqual(before);
    proxy = await f.restart(file);
    expect(await ids(), 'after a restart').toEqual(before);
    // A removed API rule stays removed.
    expect((await api(proxy, 'DELETE', `/api/v1/acl/${before[0]}`)).status).toBe(204);
    proxy = await f.restart(file);
    expect(await order()).toEqual(['c1:config-1', 'middle:api', 'c2:config-2']);
  }, 90_000);

  it('a token made at run time works after a restart; a revoked one stays revoked', async () => {
    const file = f.configFile(`[users.alice]\nsecret = "${alice}"\n`);
    let proxy = await f.start(file);
    const made = await api(proxy, 'POST', '/api/v1/tokens', { name: 'ops', level: 'read_only' });
    const gone = await api(proxy, 'POST', '/api/v1/tokens', { name: 'old', level: 'read_only' });
    expect(made.status).toBe(201);
    expect((await api(proxy, 'DELETE', '/api/v1/tokens/old')).status).toBe(204);
    proxy = await f.restart(file);
    const statsWith = (token: string) => fetch(`http://127.0.0.1:${proxy.adminPort}/api/v1/stats`, { headers: { authorization: `Bearer ${token}` } }).then((r) => r.status);
    expect(await statsWith(made.body.token)).toBe(200);
    expect(await statsWith(gone.body.token)).toBe(401);
  }, 90_000);
});

const withRedis = redisAvailable();

describe.skipIf(!withRedis)('the Redis backend', () => {
  let redis: RedisServer;
  beforeAll(async () => {
    redis = await startRedis();
  });
  afterAll(async () => {
    await redis?.stop();
  });

  it('keeps the run-time changes in Redis, where a restarted process (or another one) finds them', async () => {
    const file = f.configFile(`[users.alice]\nsecret = "${alice}"\n[state]\nbackend = "redis"\nredis_url = "${redis.url}"\nprefix = "rt${process.pid}:"\n`);
    let proxy = await f.start(file);
    const rotated = (await api(proxy, 'POST', '/api/v1/users/alice/rotate', { grace: '0s' })).body.secret as string;
    const bob = (await api(proxy, 'POST', '/api/v1/users', { name: 'bob', mode: 'dd' })).body.secret as string;
    await api(proxy, 'POST', '/api/v1/acl', { name: 'top', action: 'deny', cidr: '192.0.2.1', position: 0 });

    // A second reader of the same Redis sees the records.
    const store = await RedisStateStore.connect(redis.url, `rt${process.pid}:`);
    try {
      const saved = JSON.parse((await store.get('overlay'))!);
      expect(Object.keys(saved.users).sort()).toEqual(['alice', 'bob']);
      expect(saved.acl).toHaveLength(1);
    } finally {
      await store.close();
    }
    // Redis holds it, not the state dir.
    expect(existsSync(join(f.dir, 'state', 'runtime-overlay.json'))).toBe(false);
    proxy = await f.restart(file);
    expect(await keyWorks(proxy.port, alice)).toBe(false);
    expect(await keyWorks(proxy.port, rotated)).toBe(true);
    expect(await keyWorks(proxy.port, bob)).toBe(true);
    expect(await users(proxy)).toEqual({ alice: 'config+api', bob: 'api' });
  }, 90_000);
});
