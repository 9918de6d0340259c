/**
 * Credentials over the admin API: token expiry and revocation, sessions (creation from a token, expiry on an
 * injected clock, revocation), failed attempts rate limited per IP (429) and audited, audit entries of
 * changes carrying the principal's token name and never the token.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { startHarness, type Harness } from './helpers.js';

let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

describe('tokens', () => {
  it('an expired token gets 401; a token whose expiry passes on the clock stops working', async () => {
    h = await startHarness();
    expect((await h.call('GET', '/api/v1/stats', { token: h.tokens.expired })).status).toBe(401);
    expect((await h.call('GET', '/api/v1/stats', { token: h.tokens.admin })).status).toBe(200);
    h.clock.advance(2 * 60 * 60_000); // the admin token expires one hour after the harness clock's start
    expect((await h.call('GET', '/api/v1/stats', { token: h.tokens.admin })).status).toBe(401);
  });

  it('a revoked token gets 401 at once, and its sessions end with it', async () => {
    h = await startHarness();
    const created = await h.call('POST', '/api/v1/tokens', {
      token: h.tokens.superuser,
      body: { name: 'temp', level: 'admin', expires: new Date(h.clock.now() + 86_400_000).toISOString() },
    });
    expect(created.status).toBe(201);
    const temp = created.json.token as string;
    expect((await h.call('GET', '/api/v1/blocks', { token: temp })).status).toBe(200);
    const session = await h.call('POST', '/api/v1/sessions', { token: temp, body: {} });
    expect(session.status).toBe(201);
    expect((await h.call('DELETE', '/api/v1/tokens/temp', { token: h.tokens.superuser })).status).toBe(204);
    expect((await h.call('GET', '/api/v1/blocks', { token: temp })).status).toBe(401);
    expect((await h.call('GET', '/api/v1/blocks', { token: session.json.session })).status).toBe(401);
    const listed = await h.call('GET', '/api/v1/tokens', { token: h.tokens.admin });
    expect(listed.json.tokens.find((t: { name: string }) => t.name === 'temp')).toMatchObject({ revoked: true });
    expect(listed.text).not.toContain(temp);
  });
});

describe('sessions', () => {
  it('a session works like its token, expires on the clock, and can be revoked', async () => {
    h = await startHarness({ config: { security: { session_ttl: '10m' } } });
    const made = await h.call('POST', '/api/v1/sessions', { token: h.tokens.admin, body: {} });
    expect(made.status).toBe(201);
    const id = made.json.session as string;
    expect(id).toMatch(/^mss_/);
    expect((await h.call('POST', '/api/v1/blocks', { token: id, body: { ip: '203.0.113.50', reason: 'via session' } })).status).toBe(201);
    expect((await h.call('PUT', '/api/v1/policies', { token: id, body: { rules: {} } })).status).toBe(403);
    expect((await h.call('POST', '/api/v1/sessions', { token: id, body: {} })).status).toBe(403); // not from a session
    h.clock.advance(9 * 60_000);
    expect((await h.call('GET', '/api/v1/stats', { token: id })).status).toBe(200);
    h.clock.advance(2 * 60_000);
    expect((await h.call('GET', '/api/v1/stats', { token: id })).status).toBe(401);

    const second = await h.call('POST', '/api/v1/sessions', { token: h.tokens.read_only, body: { ttl: '5m' } });
    expect((await h.call('DELETE', '/api/v1/sessions/current', { token: second.json.session })).status).toBe(204);
    expect((await h.call('GET', '/api/v1/stats', { token: second.json.session })).status).toBe(401);
  });
});

describe('failed attempts', () => {
  it('are rate limited per IP (429 for wrong credentials, a good token still passes) and audited without the token', async () => {
    h = await startHarness({ config: { security: { auth_failures_per_minute: 3 } } });
    const wrong = 'mts_' + 'B'.repeat(43);
    for (let i = 0; i < 3; i++) expect((await h.call('GET', '/api/v1/stats', { token: wrong })).status).toBe(401);
    expect((await h.call('GET', '/api/v1/stats', { token: wrong })).status).toBe(429);
    const limited = await h.call('GET', '/api/v1/stats', { token: wrong });
    expect(limited.status).toBe(429);
    expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0);
    expect((await h.call('GET', '/api/v1/stats', { token: h.tokens.superuser })).status).toBe(200);
    const audit = h.security.audit.recent(100);
    // Each wrong credential within the budget is audited; refusals past it fold into one throttled entry.
    const types = audit.filter((e) => e.ip === '127.0.0.1').map((e) => e.type);
    expect(types.filter((t) => t === 'auth.failed')).toHaveLength(3);
    expect(types).toContain('auth.rate_limited');
    expect(JSON.stringify(audit)).not.toContain(wrong);
    const metrics = await h.call('GET', '/metrics');
    expect(metrics.text).toMatch(/mtshield_auth_attempts_total\{result="failed"\} 3\n/);
    expect(metrics.text).toMatch(/mtshield_auth_attempts_total\{result="rate_limited"\} 2\n/);
    expect(metrics.text).toMatch(/mtshield_rate_limited_total\{scope="admin_auth"\} 2\n/);
  });
});

describe('audit of changes', () => {
  it('records the token name as the actor and never the token', async () => {
    h = await startHarness();
    expect((await h.call('POST', '/api/v1/blocks', { token: h.tokens.admin, body: { ip: '203.0.113.0/24', reason: 'abuse', ttl: '10m' } })).status).toBe(201);
    expect((await h.call('DELETE', `/api/v1/blocks/${encodeURIComponent('203.0.113.0/24')}`, { token: h.tokens.admin })).status).toBe(204);
    // One line per action, written by the service that made the change, naming the principal and its address.
    const entries = h.security.audit.recent(50).filter((e) => e.type.includes('block.'));
    expect(entries.map((e) => [e.type, e.actor, e.ip, e.details?.clientIp])).toEqual([
      ['block.added', 'token:operator', '203.0.113.0/24', '127.0.0.1'],
      ['block.removed', 'token:operator', '203.0.113.0/24', '127.0.0.1'],
    ]);
    expect(JSON.stringify(h.security.audit.recent(100))).not.toContain(h.tokens.admin);
  });

  it('writes one audit line per ACL, policy and key action', async () => {
    h = await startHarness();
    const added = await h.call('POST', '/api/v1/acl', { token: h.tokens.admin, body: { action: 'deny', cidr: '198.51.100.0/24' } });
    expect(added.status).toBe(201);
    expect((await h.call('DELETE', `/api/v1/acl/${(added.json as { id: string }).id}`, { token: h.tokens.admin })).status).toBe(204);
    expect((await h.call('PUT', '/api/v1/policies', { token: h.tokens.superuser, body: { rules: { geo: { mode: 'monitor' } }, enforce: false } })).status).toBe(200);
    expect((await h.call('POST', '/api/v1/policies/enforce', { token: h.tokens.superuser, body: {} })).status).toBe(200);
    expect((await h.call('POST', '/api/v1/keys/rotate', { token: h.tokens.superuser, body: {} })).status).toBe(200);
    const actions = h.security.audit.recent(100).filter((e) => /^(admin\.)?(acl\.|policy\.(set|enforced)$|keys\.)/.test(e.type));
    expect(actions.map((e) => [e.type, e.actor])).toEqual([
      ['acl.rule_added', 'token:operator'],
      ['acl.rule_removed', 'token:operator'],
      ['policy.set', 'token:root'],
      ['policy.enforced', 'token:root'],
      ['keys.rotated', 'token:root'],
    ]);
  });
});
