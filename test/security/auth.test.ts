/**
 * Admin authentication: token creation (only the hash stored), verification, expiry, revocation; sessions
 * (expiry, revocation, revocation with their token); failed attempts limited per IP and reported; the
 * strong_auth policy in monitor and in enforce mode; the level ladder.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { AccessLevel, generateAdminToken, hasLevel, parseLevel, requireLevel, tokenTomlBlock } from '../../src/security/index.js';
import { conn, startLayer, type TestLayer } from './helpers/layer.js';

let t: TestLayer | undefined;
afterEach(async () => {
  await t?.close();
  t = undefined;
});

describe('levels', () => {
  it('orders NONE < READ_ONLY < STANDARD < ADMIN < SUPERUSER', () => {
    expect(hasLevel(AccessLevel.SUPERUSER, AccessLevel.ADMIN)).toBe(true);
    expect(hasLevel(AccessLevel.READ_ONLY, AccessLevel.ADMIN)).toBe(false);
    expect(parseLevel('read_only')).toBe(AccessLevel.READ_ONLY);
    expect(() => requireLevel(AccessLevel.ADMIN, AccessLevel.SUPERUSER)).toThrow(expect.objectContaining({ code: 'ERR_SECURITY_FORBIDDEN' }));
    expect(() => parseLevel('root')).toThrow(expect.objectContaining({ code: 'ERR_SECURITY_LEVEL' }));
  });
});

describe('admin tokens', () => {
  it('a config token authenticates with its level; a wrong one does not', async () => {
    const ops = generateAdminToken();
    expect(ops.token).toMatch(/^mts_[A-Za-z0-9_-]{43}$/);
    t = await startLayer({ admin: { tokens: [{ name: 'ops', level: 'admin', sha256: ops.sha256 }] } });
    const ok = await t.layer.auth.authenticate(ops.token, '127.0.0.1');
    expect(ok).toMatchObject({ ok: true, level: AccessLevel.ADMIN, principal: { kind: 'token', name: 'ops' } });
    const bad = await t.layer.auth.authenticate(ops.token.slice(0, -1) + (ops.token.endsWith('A') ? 'B' : 'A'), '127.0.0.1');
    expect(bad).toMatchObject({ ok: false, status: 401, reason: 'invalid' });
    expect(await t.layer.auth.authenticate(undefined, '127.0.0.1')).toMatchObject({ ok: false, reason: 'missing' });
  });

  it('runtime tokens: only the SHA-256 is written, expiry and revocation end them', async () => {
    t = await startLayer();
    const { token, record } = t.layer.tokens.create({ name: 'ci', level: 'read_only', expiresAt: t.clock.now() + 60_000 });
    const file = readFileSync(join(t.dir, 'admin-tokens.json'), 'utf8');
    expect(file).toContain(record.sha256);
    expect(file).not.toContain(token);
    expect((await t.layer.auth.authenticate(token, '127.0.0.1')).ok).toBe(true);
    t.clock.advance(61_000);
    expect(await t.layer.auth.authenticate(token, '127.0.0.1')).toMatchObject({ ok: false, reason: 'invalid' });

    const second = t.layer.tokens.create({ name: 'ci2', level: 'superuser' });
    expect((await t.layer.auth.authenticate(second.token, '127.0.0.1')).ok).toBe(true);
    t.layer.tokens.revoke('ci2');
    expect((await t.layer.auth.authenticate(second.token, '127.0.0.1')).ok).toBe(false);
    expect(() => t!.layer.tokens.create({ name: 'x', level: 'standard' })).toThrow(/read_only, admin or superuser/);
  });

  it('prints the operator TOML block', () => {
    const block = tokenTomlBlock('ops', 'superuser', 'ab'.repeat(32), Date.UTC(2027, 0, 1));
    expect(block).toBe(`[[admin.tokens]]\nname = "ops"\nlevel = "superuser"\nsha256 = "${'ab'.repeat(32)}"\nexpires = "2027-01-01T00:00:00Z"`);
  });
});

describe('sessions', () => {
  it('a token is exchanged for a session that expires', async () => {
    const ops = generateAdminToken();
    t = await startLayer({ admin: { tokens: [{ name: 'ops', level: 'superuser', sha256: ops.sha256 }] }, security: { session_ttl: '5m' } });
    const { id, session } = await t.layer.auth.createSession(ops.token, '127.0.0.1');
    expect(id).toMatch(/^mss_/);
    expect(session.expiresAt - t.clock.now()).toBe(300_000);
    expect(await t.layer.auth.authenticate(id, '127.0.0.1')).toMatchObject({ ok: true, level: AccessLevel.SUPERUSER, principal: { kind: 'session', name: 'ops' } });
    t.clock.advance(300_001);
    expect(await t.layer.auth.authenticate(id, '127.0.0.1')).toMatchObject({ ok: false, reason: 'expired_or_revoked' });
  });

  it('sessions are revocable by handle, and die with their token', async () => {
    t = await startLayer();
    const { token } = t.layer.tokens.create({ name: 'ops', level: 'admin' });
    const a = await t.layer.auth.createSession(token, '127.0.0.1');
    const b = await t.layer.auth.createSession(token, '127.0.0.1');
    expect(t.layer.sessions.list()).toHaveLength(2);
    t.layer.sessions.revoke(a.session.handle);
    expect((await t.layer.auth.authenticate(a.id, '127.0.0.1')).ok).toBe(false);
    expect((await t.layer.auth.authenticate(b.id, '127.0.0.1')).ok).toBe(true);
    t.layer.tokens.revoke('ops');
    expect((await t.layer.auth.authenticate(b.id, '127.0.0.1')).ok).toBe(false);
    await expect(t.layer.auth.createSession(b.id, '127.0.0.1')).rejects.toMatchObject({ code: 'ERR_SECURITY_UNAUTHORIZED' });
  });
});

describe('failed attempts', () => {
  it('are limited per IP (429 for wrong credentials after the budget, a valid token still passes) and reported', async () => {
    const ops = generateAdminToken();
    t = await startLayer({ admin: { tokens: [{ name: 'ops', level: 'admin', sha256: ops.sha256 }] }, security: { auth_failures_per_minute: 3 } });
    for (let i = 0; i < 3; i++) expect(await t.layer.auth.authenticate('mts_wrong', '192.0.2.50')).toMatchObject({ ok: false, status: 401 });
    const limited = await t.layer.auth.authenticate('mts_wrong', '192.0.2.50');
    expect(limited).toMatchObject({ ok: false, status: 429, reason: 'rate_limited' });
    expect((await t.layer.auth.authenticate(ops.token, '192.0.2.50')).ok).toBe(true); // the operator is never locked out
    expect(await t.layer.auth.authenticate(undefined, '192.0.2.51')).toMatchObject({ ok: false, status: 401, reason: 'missing' });
    const counters = t.layer.counters();
    expect(counters.authAttempts).toMatchObject({ failed: 3, rateLimited: 1, ok: 1 }); // missing credentials: not counted
    expect(t.events.some((e) => e.type === 'auth.failed' && e.ip === '192.0.2.50')).toBe(true);
    expect(t.layer.audit.recent(50).some((e) => e.type === 'auth.failed')).toBe(true);
  });
});

describe('strong_auth policy', () => {
  it('monitor: a token without expiry works and is reported; enforce: refused', async () => {
    const forever = generateAdminToken();
    t = await startLayer({ admin: { tokens: [{ name: 'forever', level: 'admin', sha256: forever.sha256 }] } });
    expect(t.layer.policies.mode('strong_auth')).toBe('monitor');
    expect((await t.layer.auth.authenticate(forever.token, '127.0.0.1')).ok).toBe(true);
    expect(t.events.some((e) => e.type === 'policy.would_refuse.strong_auth')).toBe(true);
    t.layer.policies.set({ strong_auth: { mode: 'enforce', max_token_ttl: '30d' } }, { actor: 'test' });
    expect(await t.layer.auth.authenticate(forever.token, '127.0.0.1')).toMatchObject({ ok: false, reason: 'policy' });
    const short = t.layer.tokens.create({ name: 'short', level: 'admin', expiresAt: t.clock.now() + 86_400_000 });
    expect((await t.layer.auth.authenticate(short.token, '127.0.0.1')).ok).toBe(true);
    expect(() => t!.layer.tokens.create({ name: 'long', level: 'admin', expiresAt: t!.clock.now() + 90 * 86_400_000 })).toThrow(expect.objectContaining({ code: 'ERR_SECURITY_POLICY', field: 'expires' }));
    expect(() => t!.layer.tokens.create({ name: 'forever2', level: 'admin' })).toThrow(/must have an expiry/);
  });

  it('enforce caps session lifetimes at max_session_ttl', async () => {
    t = await startLayer({ policy: { strong_auth: { mode: 'enforce', max_session_ttl: '10m' } }, security: { session_ttl: '1h' } });
    const { token } = t.layer.tokens.create({ name: 'ops', level: 'admin', expiresAt: t.clock.now() + 86_400_000 });
    const { session } = await t.layer.auth.createSession(token, '127.0.0.1');
    expect(session.expiresAt - t.clock.now()).toBe(600_000);
  });
});

describe('gate connection refs', () => {
  it('conn() helper gives distinct ids', () => {
    expect(conn('127.0.0.1').id).not.toBe(conn('127.0.0.1').id);
  });
});

describe('strong_auth on the admin listener', () => {
  it('loopback or TLS passes; a public plain listener is refused in enforce and flagged in monitor', async () => {
    t = await startLayer();
    expect(t.layer.auth.checkAdminListen({ loopback: false, tls: false })).toMatchObject({ allowed: true, mode: 'monitor', reason: expect.stringContaining('loopback') });
    t.layer.policies.set({ strong_auth: { mode: 'enforce' } });
    expect(t.layer.auth.checkAdminListen({ loopback: false, tls: false }).allowed).toBe(false);
    expect(t.layer.auth.checkAdminListen({ loopback: true, tls: false }).allowed).toBe(true);
    expect(t.layer.auth.checkAdminListen({ loopback: false, tls: true }).allowed).toBe(true);
  });
});
