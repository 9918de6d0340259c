/**
 * Users and their limits: max connections, max distinct IPs, a quota that survives restarts, expiry,
 * level "none"; reload adding and removing users; rotation with a grace period. A refused user gets a
 * `user.refused` event and a closed connection; other users are unaffected.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { buildConfig } from '../../src/config/load.js';
import { formatSecret, generateSecret } from '../../src/protocol/secrets.js';
import { startFakeDc, type FakeDc } from '../helpers/fake-dc.js';
import { readUntilClose } from '../helpers/net.js';
import { makeStateDir, startTestProxy, testConfig, type TestProxy } from '../helpers/proxy.js';
import { obfuscatedClient, type RawClient } from '../helpers/raw-client.js';

const keys = {
  limited: generateSecret('dd'),
  other: generateSecret('dd'),
  quota: generateSecret('dd'),
  ips: generateSecret('dd'),
  late: generateSecret('dd'),
  off: generateSecret('dd'),
};
const secret = (name: keyof typeof keys) => formatSecret(keys[name]);

let dc: FakeDc;
let proxy: TestProxy;
const open: RawClient[] = [];

function baseUsers() {
  return {
    limited: { secret: secret('limited'), max_connections: 2 },
    other: { secret: secret('other') },
    quota: { secret: secret('quota'), quota: '20KiB' },
    ips: { secret: secret('ips'), max_ips: 1 },
    late: { secret: secret('late'), expires: new Date(Date.now() - 1000).toISOString() },
    off: { secret: secret('off'), level: 'none' },
  };
}

function inputFor(users: Record<string, unknown>) {
  return { users, upstream: { dc: { '2': [`127.0.0.1:${dc.port}`] } } };
}

beforeEach(async () => {
  dc = await startFakeDc();
  proxy = await startTestProxy(inputFor(baseUsers()));
});

afterEach(async () => {
  for (const c of open.splice(0)) c.socket.destroy();
  await proxy.stop();
  await dc.close();
});

/** Connects as `name`, checks one round trip works. */
async function served(name: keyof typeof keys, localAddress?: string): Promise<RawClient> {
  const client = await obfuscatedClient(proxy.port, keys[name].key, { localAddress });
  open.push(client);
  client.send(new Uint8Array(16).fill(1));
  expect((await client.receive()).length).toBe(16);
  return client;
}

/** Connects as `name` and expects a refusal with `reason` and a clean close. */
async function refused(name: keyof typeof keys, reason: string, localAddress?: string): Promise<void> {
  const client = await obfuscatedClient(proxy.port, keys[name].key, { localAddress });
  const port = client.socket.localPort;
  const closed = readUntilClose(client.socket);
  await proxy.waitFor('user.refused', (e) => e.user === name && e.reason === reason && e.remotePort === port);
  expect((await closed).closed).toBe(true);
}

describe('limits', () => {
  it('max_connections refuses the third connection and not another user', async () => {
    await served('limited');
    await served('limited');
    await refused('limited', 'max_connections');
    await served('other');
    expect(proxy.service.server.users.usage('limited')!.connections).toBe(2);
  });

  it('[limits.per_user] and [limits.users.NAME] caps are the same one cap, enforced by the proxy', async () => {
    await proxy.stop();
    proxy = await startTestProxy({ ...inputFor(baseUsers()), limits: { per_user: { max_connections: 1 }, users: { other: { max_connections: 2 } } } });
    await served('quota'); // no cap of its own: [limits.per_user] applies
    await refused('quota', 'max_connections');
    await served('other'); // [limits.users.other] applies
    await served('other');
    await refused('other', 'max_connections');
    await served('limited'); // its own cap (2) wins over the default
    await served('limited');
    await refused('limited', 'max_connections');
  });

  it('max_ips refuses a second address while the first is connected', async () => {
    await served('ips', '127.0.0.1');
    await served('ips', '127.0.0.1');
    await refused('ips', 'max_ips', '127.0.0.2');
    open.splice(0).forEach((c) => c.socket.destroy());
    await proxy.waitFor('connection.closed', () => proxy.service.server.users.usage('ips')!.connections === 0);
    await served('ips', '127.0.0.2');
  });

  it('expired and disabled users are refused', async () => {
    await refused('late', 'expired');
    await refused('off', 'disabled');
  });

  it('a quota stops the relay, refuses new connections and survives a restart', async () => {
    const client = await served('quota');
    const closed = readUntilClose(client.socket);
    for (let i = 0; i < 4; i++) client.send(new Uint8Array(8192).fill(i));
    expect((await closed).closed).toBe(true);
    await proxy.waitFor('connection.closed', (e) => e.user === 'quota' && e.reason === 'quota');
    await refused('quota', 'quota');
    const stateDir = proxy.stateDir;
    await proxy.service.stop(500); // flushes usage.json
    proxy = await startTestProxy(inputFor(baseUsers()), { stateDir });
    expect(proxy.service.server.users.usage('quota')!.usedBytes).toBeGreaterThanOrEqual(20 * 1024);
    await refused('quota', 'quota');
    await served('other');
  });
});

describe('reload', () => {
  it('adds and removes users; live connections of removed users survive', async () => {
    const live = await served('other');
    const users = { ...baseUsers(), fresh: { secret: formatSecret(keys.limited) } } as Record<string, unknown>;
    delete users['other'];
    delete users['limited'];
    proxy.service.server.reload(testConfig(inputFor(users), proxy.stateDir));
    await proxy.waitFor('config.reloaded', (e) => e.ok);
    live.send(new Uint8Array(32).fill(5)); // the removed user's existing connection still works
    expect((await live.receive()).length).toBe(32);
    await refused('other', 'removed');
    const fresh = await obfuscatedClient(proxy.port, keys.limited.key);
    open.push(fresh);
    fresh.send(new Uint8Array(8).fill(1));
    await fresh.receive();
    await proxy.waitFor('handshake.ok', (e) => e.user === 'fresh');
  });

  it('an invalid config is refused and the old one stays', () => {
    const before = proxy.service.server.config;
    const bad = { ...before, users: [{ name: 'x', secret: 'nope', level: 'standard' as const }] };
    expect(() => proxy.service.server.reload(bad)).toThrow();
    expect(proxy.service.server.config).toBe(before);
    expect(proxy.events.some((e) => e.name === 'config.reloaded' && !e.data.ok)).toBe(true);
    expect(() => buildConfig({ users: { y: { secret: 'zz' } } })).toThrow(/users\.y\.secret/);
  });
});

describe('UserDirectory', () => {
  it('rotate keeps the old secret working during the grace period', async () => {
    const users = proxy.service.server.users;
    const next = generateSecret('dd');
    users.rotate('other', formatSecret(next), 60_000);
    await served('other'); // old key, in grace
    const fresh = await obfuscatedClient(proxy.port, next.key);
    open.push(fresh);
    fresh.send(new Uint8Array(8).fill(1));
    await fresh.receive();
    expect(users.get('other')!.graceUntil).toHaveLength(1);
    users.upsert({ name: 'added', secret: formatSecret(generateSecret('plain')), maxConnections: 1 });
    expect(users.list().map((u) => u.name)).toContain('added');
    expect(users.remove('added')).toBe(true);
    expect(users.get('added')).toBeUndefined();
  });

  it('a key is offered only on its own transport, and a rotated-out key keeps its own mode and domain', () => {
    const users = proxy.service.server.users;
    const hex = (k: Uint8Array) => Buffer.from(k).toString('hex');
    const tls = () => users.candidates('tls').map((c) => `${hex(c.key)}@${c.domain}`);
    const o2 = () => users.candidates('obfuscated2').map((c) => hex(c.key));
    const oldTls = generateSecret('ee', 'old.example');
    const newTls = generateSecret('ee', 'new.example');
    const dd = generateSecret('dd');
    users.upsert({ name: 'moving', secret: formatSecret(dd) });
    expect(o2()).toContain(hex(dd.key));
    users.rotate('moving', formatSecret(oldTls), 60_000); // dd → ee: the dd link stays an obfuscated2 key
    expect(o2()).toContain(hex(dd.key));
    expect(tls()).toContain(`${hex(oldTls.key)}@old.example`);
    expect(tls().some((c) => c.startsWith(hex(dd.key)))).toBe(false);
    expect(o2()).not.toContain(hex(oldTls.key));
    users.rotate('moving', formatSecret(newTls), 60_000); // a new domain: the old link still needs its own SNI
    expect(tls()).toEqual(expect.arrayContaining([`${hex(newTls.key)}@new.example`, `${hex(oldTls.key)}@old.example`]));
    expect(users.remove('moving')).toBe(true);
  });
});

void makeStateDir;
