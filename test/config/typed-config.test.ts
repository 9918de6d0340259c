/**
 * One typed config (src/config): every table parses to camelCase values with units resolved, no
 * snake_case key leaves src/config (the policy document aside), the link target is resolved once, the
 * per-user connection cap is resolved in one place, and [upstream] mode leaves room for the wave-2 upstreams.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { buildConfig, ConfigError, DEFAULTS, parseConfigText, userConnectionCap } from '../../src/config/index.js';
import { packagePath } from '../../src/util/paths.js';

const SECRET = 'ee000102030405060708090a0b0c0d0e0f7777772e676f6f676c652e636f6d';

function invalid(input: Record<string, unknown>): ConfigError {
  try {
    buildConfig(input, 'test');
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return err as ConfigError;
  }
  throw new Error('config was accepted');
}

/** Every key path of a value whose name holds an underscore. */
function snakeKeys(value: unknown, path: string, out: string[]): string[] {
  if (!value || typeof value !== 'object') return out;
  for (const [key, child] of Object.entries(value)) {
    const at = path ? `${path}.${key}` : key;
    if (key.includes('_') && !/^\d+$/.test(key)) out.push(at);
    snakeKeys(child, at, out);
  }
  return out;
}

describe('the typed config', () => {
  it('gives the security tables as camelCase values with units resolved', () => {
    const config = parseConfigText(`
[security]
session_ttl = "10m"
auth_failures_per_minute = 7
tokens_file = "/tmp/tokens.json"
[audit]
interval = "1h"
soon_expiring = "3d"
[limits]
refuse_action = "front"
[limits.per_ip]
new_connections_per_second = 5
[limits.per_user]
max_connections = 4
bandwidth_up = "1MiB"
[limits.users.alice]
max_connections = 9
burst = "64KiB"
[anomaly]
window = "30s"
threat_ttl = "5m"
baseline_min_bytes = "1MiB"
[blocklist]
poll = "2m"
[state]
backend = "redis"
redis_url = "redis://127.0.0.1:6379"
[admin]
max_body = "4KiB"
events_queue = 9
allow_insecure_remote = true
`);
    const s = config.security;
    expect(s.sessionTtlMs).toBe(600_000);
    expect(s.authFailuresPerMinute).toBe(7);
    expect(s.tokensFile).toBe('/tmp/tokens.json');
    expect(s.audit).toMatchObject({ intervalMs: 3_600_000, soonExpiringMs: 3 * 86_400_000 });
    expect(s.limits.refuseAction).toBe('front');
    expect(s.limits.perIp).toEqual({ newConnectionsPerSecond: 5, failedHandshakesPerMinute: 60, maxConnections: 128 });
    expect(s.limits.perUser).toMatchObject({ maxConnections: 4, bandwidthUpBytes: 1 << 20 });
    expect(s.limits.users['alice']).toMatchObject({ maxConnections: 9, burstBytes: 64 * 1024 });
    expect(s.anomaly).toMatchObject({ windowMs: 30_000, threatTtlMs: 300_000, baselineMinBytes: 1 << 20 });
    expect(s.blocklist.pollMs).toBe(120_000);
    expect(config.state).toEqual({ backend: 'redis', redisUrl: 'redis://127.0.0.1:6379', prefix: 'mtshield:', replayOnOutage: 'open' });
    expect(config.admin).toMatchObject({ maxBodyBytes: 4096, eventsQueue: 9, allowInsecureRemote: true });
  });

  it('lets no snake_case key out of src/config, except the policy document', () => {
    const config = parseConfigText(
      readFileSync(packagePath('config', 'mtshield.example.toml'), 'utf8')
        .split('\n')
        .map((line) => (/^# (?!#)/.test(line) ? line.slice(2) : line))
        .join('\n'),
      'example (all settings on)',
    );
    const leaks = snakeKeys({ ...config, security: { ...config.security, policy: undefined } }, '', []);
    expect(leaks).toEqual([]);
  });

  it('fills every default from the one DEFAULTS object', () => {
    const config = buildConfig({}, 'defaults');
    expect(config.server.stateDir).toBe(DEFAULTS.server.stateDir);
    expect(config.server.maxConnections).toBe(DEFAULTS.server.maxConnections);
    expect(config.security.authFailuresPerMinute).toBe(DEFAULTS.security.authFailuresPerMinute);
    expect(config.security.limits.perIp.maxConnections).toBe(DEFAULTS.limits.perIp.maxConnections);
    expect(config.security.anomaly.replaysPerIp).toBe(DEFAULTS.anomaly.replaysPerIp);
    expect(config.admin.listen).toBe(DEFAULTS.admin.listen);
    expect(config.admin.maxBodyBytes).toBe(64 * 1024);
    expect(config.security.policy.strong_auth.min_token_length).toBe(DEFAULTS.policy.strongAuth.minTokenLength);
    expect(config.upstream.mode).toBe('direct');
  });

  it('resolves the link target by the one rule', () => {
    const listen = ['0.0.0.0:443'];
    expect(buildConfig({ server: { listen } }).link).toEqual({ host: undefined, port: 443 });
    expect(buildConfig({ server: { listen: ['127.0.0.1:0'] } }).link).toEqual({ host: '127.0.0.1', port: undefined });
    expect(buildConfig({ server: { listen: ['192.0.2.1:8443'] } }).link).toEqual({ host: '192.0.2.1', port: 8443 });
    expect(buildConfig({ server: { listen, public_host: 'p.example' } }).link).toEqual({ host: 'p.example', port: 443 });
    expect(buildConfig({ server: { listen, public_host: 'p.example' }, security: { link_host: 'l.example', link_port: 8443 } }).link).toEqual({ host: 'l.example', port: 8443 });
  });

  it('resolves one per-user connection cap: the user\'s own, else [limits.users.NAME], else [limits.per_user]', () => {
    const config = buildConfig({
      users: { alice: { secret: SECRET }, bob: { secret: SECRET }, carol: { secret: SECRET, max_connections: 2 } },
      limits: { per_user: { max_connections: 3 }, users: { alice: { max_connections: 7 }, carol: { max_connections: 9 } } },
    });
    const { limits } = config.security;
    expect(userConnectionCap(limits, 'alice')).toBe(7);
    expect(userConnectionCap(limits, 'bob')).toBe(3);
    expect(userConnectionCap(limits, 'carol', 2)).toBe(2);
    expect(userConnectionCap(buildConfig({}).security.limits, 'bob')).toBeUndefined();
    // The users the proxy enforces carry the resolved cap.
    expect(Object.fromEntries(config.users.map((u) => [u.name, u.maxConnections]))).toEqual({ alice: 7, bob: 3, carol: 2 });
    expect(buildConfig({ users: { dave: { secret: SECRET } } }).users[0]?.maxConnections).toBeUndefined();
  });
});

describe('[upstream] mode', () => {
  it('accepts "direct", "middle", "relay" and "socks5" and refuses an unknown mode, naming the key', () => {
    expect(buildConfig({ upstream: { mode: 'direct' } }).upstream.mode).toBe('direct');
    expect(buildConfig({ upstream: { mode: 'middle', middle: { proxy_secret: '/s', proxy_config: '/c' } } }).upstream.mode).toBe('middle');
    expect(buildConfig({ upstream: { mode: 'socks5', socks5: { address: '127.0.0.1:1080' } } }).upstream.mode).toBe('socks5');
    for (const mode of ['shadowsocks']) {
      const err = invalid({ upstream: { mode } });
      expect(err.code).toBe('ERR_CONFIG_INVALID');
      expect(err.issues).toEqual([{ path: 'upstream.mode', message: `unknown upstream mode "${mode}" (available: "direct", "middle", "relay", "socks5")` }]);
      expect(err.message).toContain('upstream.mode');
    }
  });

  it('"relay" needs its sub-table, and the error names the missing key', () => {
    expect(invalid({ upstream: { mode: 'relay' } }).issues.map((i) => i.path).sort()).toEqual(['upstream.relay.public_key', 'upstream.relay.servers']);
    expect(invalid({ upstream: { mode: 'carrier-pigeon' } }).issues[0]!.message).toMatch(/unknown upstream mode/);
  });
});

describe('errors name the key in the file\'s spelling', () => {
  it('for the security and admin tables too', () => {
    const err = invalid({ security: { session_ttl: 'later' }, limits: { per_user: { bandwidth_up: 'fast' } }, admin: { max_body: '1GiB' } });
    expect(err.issues.map((i) => i.path).sort()).toEqual(['admin.max_body', 'limits.per_user.bandwidth_up', 'security.session_ttl']);
    const typo = invalid({ limits: { per_user: { max_conections: 3 }, users: { alice: { brust: '1KiB' } } } });
    expect(typo.issues.map((i) => i.path).sort()).toEqual(['limits.per_user', 'limits.users.alice']);
    expect(typo.message).toContain('"max_conections"');
  });
});
