/**
 * Changes made through the admin API of a group's primary reach both workers at once (docs/fleet.md): a user
 * added is served by both, an access rule and a policy bite on both, and a worker's data-plane events show on the
 * primary's event stream. `mtshield run` with `[server] workers = 2` as a real process on 127.0.0.1.
 */
import { describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { formatSecret, generateSecret } from '../../src/protocol/secrets.js';
import { generateAdminToken } from '../../src/security/index.js';
import { groupRun, openInTurn, relays } from './group-run.js';
import { obfuscatedClient } from '../helpers/raw-client.js';

const alice = generateSecret('dd');
const carol = generateSecret('dd');
const admin = generateAdminToken();
const group = groupRun();

const start = () =>
  group.start(`[[admin.tokens]]\nname = "ops"\nlevel = "superuser"\nsha256 = "${admin.sha256}"\n[users.alice]\nsecret = "${formatSecret(alice)}"\n`, { admin: true });

function api(adminPort: number, method: string, path: string, body?: unknown): Promise<Response> {
  return fetch(`http://127.0.0.1:${adminPort}${path}`, {
    method,
    headers: { authorization: `Bearer ${admin.token}`, 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
}

describe('admin changes in a group of two workers', () => {
  it('a user added through the API is served by both workers at once', async () => {
    const { port, adminPort } = await start();
    const before = await openInTurn(port, carol.key, 2);
    expect(before.served).toEqual([false, false]);
    const res = await api(adminPort, 'POST', '/api/v1/users', { name: 'carol', secret: formatSecret(carol) });
    expect(res.status).toBe(201);
    await new Promise((r) => setTimeout(r, 300)); // the overlay write, then one message to each worker
    const after = await openInTurn(port, carol.key, 2);
    expect(after.served).toEqual([true, true]);
    const listed = (await (await api(adminPort, 'GET', '/api/v1/users')).json()) as { users: { name: string }[] };
    expect(listed.users.map((u) => u.name).sort()).toEqual(['alice', 'carol']);
    for (const c of [...before.clients, ...after.clients]) c.socket.destroy();
  }, 90_000);

  it('an access rule added through the API bites on both workers', async () => {
    const { port, adminPort } = await start();
    expect((await openInTurn(port, alice.key, 2)).served).toEqual([true, true]);
    const res = await api(adminPort, 'POST', '/api/v1/acl', { action: 'deny', cidr: '127.0.0.1/32', user: 'alice' });
    expect(res.status).toBe(201);
    await new Promise((r) => setTimeout(r, 300));
    const after = await openInTurn(port, alice.key, 2);
    expect(after.served).toEqual([false, false]);
    for (const c of after.clients) c.socket.destroy();
  }, 90_000);

  it('a policy made active through the API bites on both workers', async () => {
    const { port, adminPort } = await start();
    expect((await openInTurn(port, alice.key, 2)).served).toEqual([true, true]);
    const res = await api(adminPort, 'PUT', '/api/v1/policies', { rules: { require_fake_tls: { mode: 'enforce' } } });
    expect(res.status).toBe(200);
    await new Promise((r) => setTimeout(r, 300));
    const after = await openInTurn(port, alice.key, 2); // a dd client: no fake TLS
    expect(after.served).toEqual([false, false]);
    for (const c of after.clients) c.socket.destroy();
  }, 90_000);

  it("a worker's connection events show on the primary's event stream, from both workers", async () => {
    const { port, adminPort } = await start();
    const ws = new WebSocket(`ws://127.0.0.1:${adminPort}/api/v1/events`, { headers: { authorization: `Bearer ${admin.token}` } });
    const seen: { type: string; ip?: string; user?: string; details?: { worker?: string } }[] = [];
    ws.on('message', (data) => seen.push(JSON.parse(data.toString())));
    await new Promise((resolve, reject) => ws.once('open', resolve).once('error', reject));
    const { clients } = await openInTurn(port, alice.key, 2);
    for (const c of clients) c.socket.destroy();
    const stranger = await obfuscatedClient(port, carol.key); // no such user: a failed handshake
    expect(await relays(stranger)).toBe(false);
    stranger.socket.destroy();
    for (let i = 0; i < 40 && seen.filter((e) => e.type === 'connection.closed').length < 3; i++) await new Promise((r) => setTimeout(r, 100));
    ws.close();
    const accepted = seen.filter((e) => e.type === 'connection.accepted');
    expect(accepted.length).toBeGreaterThanOrEqual(3);
    expect(accepted.every((e) => e.ip === '127.0.0.1')).toBe(true);
    expect(new Set(accepted.map((e) => e.details?.worker)).size).toBe(2);
    expect(seen.filter((e) => e.type === 'connection.closed' && e.user === 'alice').length).toBe(2);
    expect(seen.some((e) => e.type === 'handshake.failed')).toBe(true);
  }, 90_000);
});
