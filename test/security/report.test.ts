/**
 * auditSecurity() findings and rendering, the key_rotation schedule (monitor reports, enforce rotates and
 * writes the links file — and no log or audit line carries a secret), the netset parser and config keys.
 */
import { readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { formatSecret, generateSecret } from '../../src/protocol/secrets.js';
import { UserDirectory } from '../../src/proxy/users.js';
import { MemoryUsageStore } from '../../src/proxy/usage-store.js';
import { parseNetset } from '../../src/security/admission/netset.js';
import { parseSecurityConfig } from '../../src/config/index.js';
import { generateAdminToken } from '../../src/security/index.js';
import { GeoipLiteResolver } from '../../src/security/admission/geo.js';
import { conn, startLayer, type TestLayer } from './helpers/layer.js';

let t: TestLayer | undefined;
afterEach(async () => {
  await t?.close();
  t = undefined;
});

const DAY = 86_400_000;

describe('auditSecurity', () => {
  it('names expired and expiring secrets and tokens, unlimited users, plain secrets, monitor rules, failed kernels, skew', async () => {
    const now = Date.UTC(2026, 0, 5, 12, 0);
    const iso = (ms: number) => new Date(ms).toISOString();
    const old = generateAdminToken();
    const forever = generateAdminToken();
    t = await startLayer({
      users: {
        gone: { secret: formatSecret(generateSecret('ee', 'example.com')), expires: iso(now - DAY), max_connections: 5 },
        soon: { secret: formatSecret(generateSecret('ee', 'example.com')), expires: iso(now + 2 * DAY), max_connections: 5 },
        open: { secret: formatSecret(generateSecret('plain')) },
      },
      admin: { tokens: [{ name: 'old', level: 'admin', sha256: old.sha256, expires: iso(now - 1000) }, { name: 'forever', level: 'superuser', sha256: forever.sha256 }] },
      policy: { require_fake_tls: { mode: 'enforce' }, geo: { mode: 'off' }, rate_limits: { mode: 'monitor' } },
    });
    t.clock.set(now);
    t.layer.attach({ kernels: { status: () => ({ backends: [{ name: 'wasm-simd', algorithms: { 'aes-256-gcm': { state: 'failed', detail: 'KAT 3 mismatch' }, 'aes-256-ctr': { state: 'ok' } } }] }) } });
    for (let i = 0; i < 12; i++) t.bus.emit('handshake.failed', { ...conn('192.0.2.200'), reason: 'stale_time', durationMs: 2 });

    const report = await t.layer.auditSecurity();
    const checks = report.findings.map((f) => `${f.check}:${f.subject ?? ''}`);
    expect(checks).toEqual(expect.arrayContaining([
      'user.expired:gone',
      'user.expiring:soon',
      'user.no_limits:open',
      'token.expired:old',
      'token.no_expiry:forever',
      'policy.monitor:rate_limits',
      'policy.off:geo',
      'kernel.self_test_failed:wasm-simd/aes-256-gcm',
      'clock.skew:',
      'source.failing:192.0.2.200',
    ]));
    expect(checks).not.toContain('policy.monitor:require_fake_tls');
    expect(checks).not.toContain('user.plain_secret:open'); // require_fake_tls enforces, so the plain secret cannot connect
    expect(report.policies.require_fake_tls).toBe('enforce');
    expect(report.counts.high).toBe(1);
    expect(report.text).toMatch(/^\[HIGH\] kernel\.self_test_failed/m);
    expect(report.text).toContain('192.0.2.200');
    expect(t.layer.audit.recent(5).some((e) => e.type === 'audit.report')).toBe(true);
  });

  it('plain and dd secrets are flagged while require_fake_tls is not enforced', async () => {
    t = await startLayer({ users: { legacy: { secret: formatSecret(generateSecret('dd')) } } });
    const report = await t.layer.auditSecurity();
    expect(report.findings.map((f) => f.check)).toContain('user.plain_secret');
  });
});

describe('key_rotation schedule', () => {
  async function withDirectory(mode: 'monitor' | 'enforce') {
    t = await startLayer({
      policy: { key_rotation: { mode, interval: '7d', grace: '1h' } },
      security: { link_host: 'proxy.example.net', link_port: 443 },
    });
    const linksFile = join(t.dir, 'links.txt');
    const users = new UserDirectory(new MemoryUsageStore(), () => t!.clock.now());
    const secret = formatSecret(generateSecret('ee', 'example.com'));
    users.upsert({ name: 'alice', secret });
    t.layer.attach({ users });
    return { users, secret, linksFile };
  }

  it('monitor: a due rotation is reported, nothing changes', async () => {
    const { users, secret } = await withDirectory('monitor');
    expect(t!.layer.keys.runSchedule()).toBeUndefined();
    t!.clock.advance(7 * DAY);
    expect(t!.layer.keys.runSchedule()).toBeUndefined();
    expect(users.get('alice')!.secret).toBe(secret);
    expect(t!.events.some((e) => e.type === 'keys.rotation_due')).toBe(true);
  });

  it('enforce: rotates every user when due, with the grace period, and no secret in the audit log', async () => {
    const { users, secret } = await withDirectory('enforce');
    t!.clock.advance(7 * DAY);
    const result = t!.layer.keys.runSchedule();
    expect(result?.users[0]).toMatchObject({ name: 'alice', mode: 'ee' });
    const fresh = users.get('alice')!;
    expect(fresh.secret).not.toBe(secret);
    expect(fresh.graceUntil).toEqual([t!.clock.now() + 3_600_000]);
    expect(result!.users[0]!.links!.tg).toBe(`tg://proxy?server=proxy.example.net&port=443&secret=${fresh.secret}`);
    const audit = JSON.stringify(t!.layer.audit.recent(50));
    expect(audit).toContain('keys.rotated');
    expect(audit).not.toContain(fresh.secret);
    expect(t!.layer.keys.runSchedule()).toBeUndefined(); // not due again yet
  });

  it('writes the links file with mode 0600 when configured', async () => {
    const file = join(tmpdir(), `mtshield-links-${process.pid}-${Date.now()}.txt`);
    t = await startLayer({ policy: { key_rotation: { mode: 'enforce', interval: '1d' } }, security: { link_host: 'proxy.example.net', link_port: 443, rotation_links_file: file } });
    const users = new UserDirectory(new MemoryUsageStore(), () => t!.clock.now());
    users.upsert({ name: 'bob', secret: formatSecret(generateSecret('ee', 'example.com')) });
    t.layer.attach({ users });
    t.clock.advance(DAY);
    t.layer.keys.runSchedule();
    const text = readFileSync(file, 'utf8');
    expect(text).toContain(`bob\ttg://proxy?server=proxy.example.net&port=443&secret=${users.get('bob')!.secret}`);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    rmSync(file, { force: true });
  });

  it('rotating an admin token replaces its value and ends its sessions', async () => {
    t = await startLayer();
    const { token } = t.layer.tokens.create({ name: 'ops', level: 'superuser' });
    const session = await t.layer.auth.createSession(token, '127.0.0.1');
    const result = t.layer.keys.rotate({ tokens: ['ops'] });
    expect(result.tokens[0]!.token).not.toBe(token);
    expect((await t.layer.auth.authenticate(token, '127.0.0.1')).ok).toBe(false);
    expect((await t.layer.auth.authenticate(session.id, '127.0.0.1')).ok).toBe(false);
    expect(await t.layer.auth.authenticate(result.tokens[0]!.token, '127.0.0.1')).toMatchObject({ ok: true, levelName: 'superuser' });
  });
});

describe('netset and config', () => {
  it('parses FireHOL netsets: comments, addresses, CIDRs, v6; bad lines counted', () => {
    const parsed = parseNetset('# header\n#\n1.2.3.4\n10.0.0.0/8 ; trailing\n2001:db8::/32\n\nbogus\n300.0.0.0/8\n');
    expect(parsed.cidrs.map((c) => c.text)).toEqual(['1.2.3.4/32', '10.0.0.0/8', '2001:db8::/32']);
    expect(parsed.badLines).toEqual([7, 8]);
  });

  it('config units and key paths', () => {
    const config = parseSecurityConfig({ limits: { per_user: { bandwidth: '1MiB' } }, anomaly: { window: '30s' }, audit: { interval: '1h' } });
    expect(config.limits.perUser.bandwidthBytes).toBe(1 << 20);
    expect(config.anomaly.windowMs).toBe(30_000);
    expect(config.audit.intervalMs).toBe(3_600_000);
    expect(config.policy.geo.mode).toBe('monitor');
    expect(() => parseSecurityConfig({ access: { rules: [{ action: 'deny', hours: '25:00-26:00' }] } })).toThrow(/hours/);
    expect(() => parseSecurityConfig({ access: { rules: [{ action: 'deny', tz: 'Mars/Olympus' }] } })).toThrow(/time zone/);
    expect(() => parseSecurityConfig({ limits: { per_ip: { max_conections: 3 } } })).toThrow(/max_conections/);
  });

  it('the embedded geoip-lite data answers for a well-known public range (data only, no network)', () => {
    const geo = new GeoipLiteResolver();
    expect(geo.country('8.8.8.8')).toBe('US');
    expect(geo.country('10.1.2.3')).toBeUndefined();
  });
});
