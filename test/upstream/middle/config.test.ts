/**
 * The middle-mode operator contract in the config file: [upstream] mode / ad_tag, [users.NAME] ad_tag and
 * [upstream.middle]; an ad tag in direct mode is an error that says why.
 */
import { describe, expect, it } from 'vitest';
import { buildConfig } from '../../../src/config/load.js';
import type { ConfigError } from '../../../src/config/errors.js';
import { formatSecret } from '../../../src/protocol/secrets.js';
import { AD_TAG, USER_TAG, plain } from './helpers.js';

const users = { p: { secret: formatSecret(plain) } };
const middle = { proxy_secret: '/var/lib/mtshield/proxy-secret', proxy_config: '/var/lib/mtshield/proxy-multi.conf' };

function issues(input: Record<string, unknown>): { path: string; message: string }[] {
  try {
    buildConfig(input, 'test');
  } catch (err) {
    return (err as ConfigError).issues;
  }
  return [];
}

describe('middle-mode config', () => {
  it('parses the whole [upstream] contract', () => {
    const config = buildConfig({
      users: { p: { secret: formatSecret(plain), ad_tag: USER_TAG.toUpperCase() } },
      upstream: {
        mode: 'middle',
        ad_tag: AD_TAG,
        middle: { ...middle, proxy_config_v6: '/var/lib/mtshield/proxy-multi-v6.conf', refresh: '12h', download: true, nat_ip: '203.0.113.7', nat_ip6: '2001:db8::7' },
      },
    }, 'test');
    expect(config.upstream).toMatchObject({
      mode: 'middle',
      adTag: AD_TAG,
      middle: { proxySecretPath: middle.proxy_secret, proxyConfigPath: middle.proxy_config, proxyConfigV6Path: '/var/lib/mtshield/proxy-multi-v6.conf', refreshMs: 12 * 3600_000, download: true, natIp: '203.0.113.7', natIp6: '2001:db8::7' },
    });
    expect(config.users[0]!.adTag).toBe(USER_TAG);
  });

  it('defaults: direct mode, refresh 24h, no download', () => {
    const config = buildConfig({ users }, 'test');
    expect(config.upstream.mode).toBe('direct');
    expect(config.upstream.middle).toMatchObject({ refreshMs: 24 * 3600_000, download: false });
  });

  it('an ad tag with mode "direct" is an error that says why, for [upstream] and for a user', () => {
    expect(issues({ users, upstream: { ad_tag: AD_TAG } })).toEqual([
      { path: 'upstream.ad_tag', message: expect.stringMatching(/middle proxies.*mode = "middle"/) },
    ]);
    expect(issues({ users: { p: { ...users.p, ad_tag: AD_TAG } } })).toEqual([
      { path: 'users.p.ad_tag', message: expect.stringMatching(/middle proxies.*mode = "middle"/) },
    ]);
  });

  it('refuses a malformed ad tag, a missing file path, and a wrong NAT address', () => {
    expect(issues({ users, upstream: { mode: 'middle', ad_tag: 'abc', middle } })[0]).toMatchObject({ path: 'upstream.ad_tag', message: expect.stringContaining('32 hex') });
    expect(issues({ users, upstream: { mode: 'middle' } }).map((i) => i.path).sort()).toEqual(['upstream.middle.proxy_config', 'upstream.middle.proxy_secret']);
    expect(issues({ users, upstream: { mode: 'middle', middle: { ...middle, nat_ip: '2001:db8::1' } } })[0]).toMatchObject({ path: 'upstream.middle.nat_ip' });
    expect(issues({ users, upstream: { mode: 'socks5' } })[0]).toMatchObject({ path: 'upstream.socks5.address' });
  });
});
