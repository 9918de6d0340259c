/**
 * The policy document: unmentioned rules start in monitor (never enforce), validation names the field,
 * versions are kept and any can be enforced again, changes are audited, reload (SIGHUP) sets a version.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { buildConfig } from '../../src/config/load.js';
import { POLICY_RULE_NAMES } from '../../src/config/index.js';
import { startLayer, type TestLayer } from './helpers/layer.js';

let t: TestLayer | undefined;
afterEach(async () => {
  await t?.close();
  t = undefined;
});

describe('security policy', () => {
  it('every rule the config does not mention is in monitor mode, but the per-source caps, enforced by default', async () => {
    t = await startLayer({ policy: { require_fake_tls: { mode: 'enforce' } } });
    const enforced = ['require_fake_tls', 'rate_limits', 'ip_connection_limits'];
    for (const name of POLICY_RULE_NAMES) {
      expect(t.layer.policies.mode(name)).toBe(enforced.includes(name) ? 'enforce' : 'monitor');
    }
  });

  it('the config schema refuses unknown rules and modes, naming the key', () => {
    expect(() => buildConfig({ policy: { require_fake_tls: { mode: 'on' } } }, 'test')).toThrow(/policy\.require_fake_tls\.mode/);
    expect(() => buildConfig({ policy: { teleport: { mode: 'off' } } }, 'test')).toThrow(/teleport|policy/);
  });

  it('set validates (field named, nothing changed on error), versions and audits', async () => {
    t = await startLayer();
    let error: any;
    try {
      t.layer.policies.set({ geo: { mode: 'enforce', allow: ['Germany'] } }, { actor: 'token:root' });
    } catch (err) {
      error = err;
    }
    expect(error?.code).toBe('ERR_SECURITY_INVALID');
    expect(error?.field).toBe('rules.geo.allow.0');
    expect(t.layer.policies.active().version).toBe(1);

    const v2 = t.layer.policies.set({ geo: { mode: 'enforce', deny: ['xx'] }, anomaly_actions: { mode: 'enforce', block_ttl: '30m' } }, { actor: 'token:root' });
    expect(v2.version).toBe(2);
    expect(t.layer.policies.rule('geo').deny).toEqual(['XX']);
    expect(t.layer.policies.rule('anomaly_actions').block_ttl).toBe(1_800_000);
    expect(t.layer.policies.mode('require_fake_tls')).toBe('monitor');
    const types = t.layer.audit.recent(20).map((e) => e.type);
    expect(types).toContain('policy.set');
    expect(types).toContain('policy.enforced');
  });

  it('a stored version can be staged and enforced later, and an old one restored', async () => {
    t = await startLayer();
    const staged = t.layer.policies.set({ rate_limits: { mode: 'monitor' } }, { actor: 'test', enforce: false });
    expect(t.layer.policies.mode('rate_limits')).toBe('enforce');
    t.layer.policies.enforce(staged.version);
    expect(t.layer.policies.mode('rate_limits')).toBe('monitor');
    t.layer.policies.enforce(1);
    expect(t.layer.policies.mode('rate_limits')).toBe('enforce');
    expect(() => t!.layer.policies.enforce(99)).toThrow(expect.objectContaining({ code: 'ERR_SECURITY_INVALID', field: 'version' }));
  });

  it('the stored document round-trips: what GET shows can be posted back unchanged', async () => {
    t = await startLayer({ policy: { key_rotation: { mode: 'monitor', interval: '7d' } } });
    const document = t.layer.policies.active().document;
    const again = t.layer.policies.set(JSON.parse(JSON.stringify(document)));
    expect(again.rules).toEqual(t.layer.policies.history()[0]!.rules);
  });

  it('reload (SIGHUP) sets the file policy as a new version; API access rules and blocks survive', async () => {
    t = await startLayer({ access: { rules: [{ action: 'deny', cidr: '192.0.2.1' }] } });
    t.layer.acl.add({ action: 'deny', cidr: '198.51.100.0/24' });
    t.layer.blocks.add('203.0.113.9', 'manual');
    const next = buildConfig({ policy: { require_fake_tls: { mode: 'enforce' } }, access: { rules: [{ action: 'deny', cidr: '192.0.2.2' }] } }, 'test');
    await t.layer.reload(next);
    expect(t.layer.policies.active()).toMatchObject({ version: 2, actor: 'config' });
    expect(t.layer.policies.mode('require_fake_tls')).toBe('enforce');
    expect(t.layer.acl.list().map((r) => r.cidr)).toEqual(['192.0.2.2', '198.51.100.0/24']);
    expect(t.layer.blocks.list().map((b) => b.cidr)).toEqual(['203.0.113.9/32']);
  });
});
