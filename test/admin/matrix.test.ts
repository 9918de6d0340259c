/**
 * The level × endpoint matrix: every /api/v1 route called with no, wrong, expired, read_only, admin and
 * superuser credentials. Below the route's level → 403, bad credentials → 401, otherwise the route's
 * success status — over a real uWS admin server with a real proxy service and kernel registry behind it.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hashToken } from '../../src/security/credentials/tokens.js';
import { startHarness, type Harness } from './helpers.js';

type Caller = 'none' | 'wrong' | 'expired' | 'read_only' | 'admin' | 'superuser';
const RANK: Record<Caller, number> = { none: -1, wrong: -1, expired: -1, read_only: 1, admin: 3, superuser: 4 };

interface Case {
  method: string;
  path: string | ((h: Harness, caller: Caller) => string);
  level: 1 | 3 | 4;
  body?: unknown | ((caller: Caller) => unknown);
  ok: number[];
}

let seq = 0;
const cases: Case[] = [
  { method: 'GET', path: '/api/v1/stats', level: 1, ok: [200] },
  { method: 'GET', path: '/api/v1/threats', level: 1, ok: [200] },
  { method: 'GET', path: '/api/v1/users', level: 1, ok: [200] },
  { method: 'GET', path: '/api/v1/users/alice', level: 1, ok: [200] },
  { method: 'POST', path: '/api/v1/users', level: 3, body: () => ({ name: `u${++seq}`, mode: 'dd' }), ok: [201] },
  { method: 'POST', path: '/api/v1/users/alice/rotate', level: 3, body: { grace: '1h' }, ok: [200] },
  {
    method: 'DELETE',
    path: (h) => {
      const name = `gone${++seq}`;
      h.proxy!.users.upsert({ name, secret: 'dd' + '11'.repeat(16) });
      return `/api/v1/users/${name}`;
    },
    level: 3,
    ok: [204],
  },
  { method: 'GET', path: '/api/v1/blocks', level: 1, ok: [200] },
  { method: 'POST', path: '/api/v1/blocks', level: 3, body: { ip: '203.0.113.7', reason: 'matrix', ttl: '10m' }, ok: [201] },
  {
    method: 'DELETE',
    path: (h) => {
      h.security.blocks.add('198.51.100.0/24', 'matrix', {});
      return `/api/v1/blocks/${encodeURIComponent('198.51.100.0/24')}`;
    },
    level: 3,
    ok: [204],
  },
  { method: 'GET', path: '/api/v1/acl', level: 1, ok: [200] },
  { method: 'POST', path: '/api/v1/acl', level: 3, body: { action: 'deny', cidr: '192.0.2.0/24', mode: 'monitor' }, ok: [201] },
  {
    method: 'DELETE',
    path: (h) => `/api/v1/acl/${h.security.acl.add({ action: 'allow', cidr: '192.0.2.1' }).id}`,
    level: 3,
    ok: [204],
  },
  { method: 'GET', path: '/api/v1/policies', level: 1, ok: [200] },
  { method: 'PUT', path: '/api/v1/policies', level: 4, body: { rules: { require_fake_tls: { mode: 'monitor' } } }, ok: [200] },
  { method: 'POST', path: '/api/v1/policies/enforce', level: 4, body: {}, ok: [200] },
  { method: 'POST', path: '/api/v1/sessions', level: 1, body: { ttl: '5m' }, ok: [201] },
  { method: 'GET', path: '/api/v1/sessions', level: 3, ok: [200] },
  { method: 'GET', path: '/api/v1/tokens', level: 3, ok: [200] },
  { method: 'POST', path: '/api/v1/tokens', level: 4, body: () => ({ name: `t${++seq}`, level: 'read_only', expires: new Date(Date.now() + 86_400_000).toISOString() }), ok: [201] },
  {
    method: 'DELETE',
    path: (h) => {
      const name = `doomed${++seq}`;
      h.security.tokens.create({ name, level: 'read_only', expiresAt: h.clock.now() + 86_400_000 });
      return `/api/v1/tokens/${name}`;
    },
    level: 4,
    ok: [204],
  },
  { method: 'GET', path: '/api/v1/audit?limit=5', level: 1, ok: [200] },
  { method: 'GET', path: '/api/v1/audit/verify', level: 1, ok: [200] },
  { method: 'POST', path: '/api/v1/audit/run', level: 1, body: {}, ok: [200] },
  { method: 'POST', path: '/api/v1/keys/rotate', level: 4, body: { users: ['alice'], grace: '1h' }, ok: [200] },
  { method: 'GET', path: '/api/v1/kernels', level: 1, ok: [200] },
];

let h: Harness;
beforeAll(async () => {
  h = await startHarness({ withProxy: true, config: { security: { auth_failures_per_minute: 100_000 } } });
}, 20_000);
afterAll(async () => h?.close());

const callers: Caller[] = ['none', 'wrong', 'expired', 'read_only', 'admin', 'superuser'];

describe('level × endpoint matrix', () => {
  for (const c of cases) {
    const label = typeof c.path === 'string' ? c.path : `${c.method} (prepared)`;
    it(`${c.method} ${label}`, async () => {
      for (const caller of callers) {
        const token =
          caller === 'none' ? undefined : caller === 'wrong' ? 'mts_' + 'A'.repeat(43) : h.tokens[caller as keyof typeof h.tokens];
        const path = typeof c.path === 'string' ? c.path : c.path(h, caller);
        const body = typeof c.body === 'function' ? (c.body as (x: Caller) => unknown)(caller) : c.body;
        const res = await h.call(c.method, path, { token, body });
        const expected = RANK[caller] < 0 ? [401] : RANK[caller] < c.level ? [403] : c.ok;
        expect({ caller, status: res.status, body: res.json }).toMatchObject({ caller, status: expect.toSatisfy((s: number) => expected.includes(s)) });
      }
    });
  }

  it('DELETE /api/v1/sessions/:handle: own session at read_only, another token\'s session needs admin', async () => {
    const own = await h.call('POST', '/api/v1/sessions', { token: h.tokens.read_only, body: {} });
    expect(own.status).toBe(201);
    const other = await h.call('POST', '/api/v1/sessions', { token: h.tokens.superuser, body: {} });
    expect((await h.call('DELETE', `/api/v1/sessions/${other.json.handle}`, { token: h.tokens.read_only })).status).toBe(403);
    expect((await h.call('DELETE', `/api/v1/sessions/${own.json.handle}`)).status).toBe(401);
    expect((await h.call('DELETE', `/api/v1/sessions/${own.json.handle}`, { token: h.tokens.read_only })).status).toBe(204);
    expect((await h.call('DELETE', `/api/v1/sessions/${other.json.handle}`, { token: h.tokens.admin })).status).toBe(204);
    expect((await h.call('DELETE', '/api/v1/sessions/current', { token: other.json.session })).status).toBe(401);
  });

  it('POST /api/v1/kernels/swap needs superuser', async () => {
    const body = { path: '/nonexistent/mtshield.wasm' };
    expect((await h.call('POST', '/api/v1/kernels/swap', { body })).status).toBe(401);
    expect((await h.call('POST', '/api/v1/kernels/swap', { token: h.tokens.admin, body })).status).toBe(403);
    const res = await h.call('POST', '/api/v1/kernels/swap', { token: h.tokens.superuser, body });
    expect(res.status).toBe(400); // the registry refuses a file it cannot load; nothing swapped
  });

  it('read routes never reveal user secrets, token hashes or session ids', async () => {
    const session = await h.call('POST', '/api/v1/sessions', { token: h.tokens.admin, body: {} });
    const bodies = await Promise.all(
      ['/api/v1/users', '/api/v1/users/alice', '/api/v1/tokens', '/api/v1/sessions', '/api/v1/stats', '/api/v1/audit?limit=1000'].map(
        (path) => h.call('GET', path, { token: h.tokens.superuser }),
      ),
    );
    const text = bodies.map((b) => b.text).join('\n');
    const alice = h.proxy!.users.get('alice')!.secret;
    expect(text).not.toContain(alice);
    expect(text).not.toContain(alice.slice(2, 34)); // the key part, in any encoding of the same hex
    expect(text).not.toContain(session.json.session);
    for (const token of Object.values(h.tokens)) {
      expect(text).not.toContain(token);
      expect(text).not.toContain(hashToken(token));
    }
  });

  it('unknown routes answer 404 and health needs no token', async () => {
    expect((await h.call('GET', '/api/v1/nope', { token: h.tokens.superuser })).status).toBe(404);
    expect((await h.call('GET', '/healthz')).status).toBe(200);
  });
});
