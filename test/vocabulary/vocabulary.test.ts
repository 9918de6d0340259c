/**
 * The shared vocabulary (src/vocabulary): one definition of refusal sources, secret modes, the user-name
 * rule, units, addresses and the link host — and the config, the proxy and the security layer speaking it.
 */
import { describe, expect, it } from 'vitest';
import { buildConfig, ConfigError } from '../../src/config/index.js';
import { emptyCounters } from '../../src/security/audit/reporter.js';
import { parseListen } from '../../src/admin/net.js';
import { UserDirectory } from '../../src/proxy/users.js';
import { MemoryUsageStore } from '../../src/proxy/usage-store.js';
import {
  chooseLinkHost,
  chooseLinkTarget,
  formatDuration,
  formatHostPort,
  formatSize,
  isLoopbackHost,
  isSecretMode,
  isUserName,
  isWildcardHost,
  normaliseAddress,
  normaliseIp,
  parseDuration,
  parseHostPort,
  parseSize,
  REFUSAL_SOURCES,
  USER_NAME_RULE,
} from '../../src/vocabulary/index.js';

const SECRET = 'ee000102030405060708090a0b0c0d0e0f7777772e676f6f676c652e636f6d';

describe('units', () => {
  it('formats durations and sizes so they parse back to the same value', () => {
    for (const ms of [0, 1, 250, 1000, 90_000, 3_600_000, 86_400_000, 7 * 86_400_000, 1500]) {
      expect(parseDuration(formatDuration(ms))).toBe(ms);
    }
    expect(formatDuration(3_600_000)).toBe('1h');
    expect(formatDuration(90_000)).toBe('90s');
    expect(formatDuration(1500)).toBe('1500ms');
    for (const bytes of [0, 1, 1000, 1024, 64 * 1024, 10 * 1024 ** 2, 50 * 1024 ** 3, 1536]) {
      expect(parseSize(formatSize(bytes))).toBe(bytes);
    }
    expect(formatSize(64 * 1024)).toBe('64KiB');
    expect(formatSize(1000)).toBe('1000');
  });

  it('refuses what is not a unit', () => {
    expect(parseDuration('-5s')).toBeUndefined();
    expect(parseDuration('5 weeks')).toBeUndefined();
    expect(parseSize('1.5.2MiB')).toBeUndefined();
    expect(parseSize(2 ** 60)).toBeUndefined();
  });
});

describe('the user-name rule', () => {
  it('is the same for the config, the proxy and the vocabulary', () => {
    for (const name of ['alice', 'a.b-c_9', 'x'.repeat(64)]) expect(isUserName(name)).toBe(true);
    for (const name of ['', 'bad name', 'x'.repeat(65), 'ümlaut', 'a/b']) {
      expect(isUserName(name)).toBe(false);
      expect(() => buildConfig({ users: { [name]: { secret: SECRET } } })).toThrow(ConfigError);
      const users = new UserDirectory(new MemoryUsageStore());
      expect(() => users.upsert({ name, secret: SECRET })).toThrow(USER_NAME_RULE);
    }
    try {
      buildConfig({ users: { 'bad name': { secret: SECRET } } });
    } catch (err) {
      expect((err as ConfigError).message).toContain(USER_NAME_RULE);
    }
  });
});

describe('refusal sources and secret modes', () => {
  it('the security counters count every refusal source, and only those', () => {
    const counters = emptyCounters();
    expect(Object.keys(counters.refused).sort()).toEqual([...REFUSAL_SOURCES].sort());
    expect(Object.keys(counters.wouldRefuse).sort()).toEqual([...REFUSAL_SOURCES].sort());
  });

  it('knows the three secret modes', () => {
    expect(['plain', 'dd', 'ee'].every(isSecretMode)).toBe(true);
    expect(isSecretMode('tls')).toBe(false);
    expect(isSecretMode(undefined)).toBe(false);
  });
});

describe('addresses', () => {
  it('normalises socket addresses cheaply and IP text canonically', () => {
    expect(normaliseAddress('::ffff:203.0.113.5')).toBe('203.0.113.5');
    expect(normaliseAddress('2001:db8::1')).toBe('2001:db8::1');
    expect(normaliseAddress(undefined)).toBe('');
    expect(normaliseIp('[2001:DB8::1]')).toBe('2001:db8::1');
    expect(normaliseIp('::ffff:10.0.0.1')).toBe('10.0.0.1');
    expect(normaliseIp('example.com')).toBeUndefined();
  });

  it('tells loopback and wildcard hosts', () => {
    for (const host of ['localhost', '127.0.0.1', '127.9.9.9', '::1', '::ffff:127.0.0.1']) expect(isLoopbackHost(host), host).toBe(true);
    for (const host of ['10.0.0.1', '0.0.0.0', 'example.com', '2001:db8::1']) expect(isLoopbackHost(host), host).toBe(false);
    expect(isWildcardHost('0.0.0.0')).toBe(true);
    expect(isWildcardHost('::')).toBe(true);
    expect(isWildcardHost('127.0.0.1')).toBe(false);
  });

  it('parses and formats host:port, brackets for IPv6', () => {
    expect(parseHostPort('[::1]:443')).toEqual({ host: '::1', port: 443 });
    expect(parseHostPort('proxy.example.net:8443')).toEqual({ host: 'proxy.example.net', port: 8443 });
    expect(parseHostPort('::1:443')).toBeUndefined();
    expect(parseHostPort('host:70000')).toBeUndefined();
    expect(formatHostPort('::1', 443)).toBe('[::1]:443');
    for (const text of ['[2001:db8::1]:443', '10.0.0.1:80']) {
      const parsed = parseHostPort(text)!;
      expect(formatHostPort(parsed.host, parsed.port)).toBe(text);
    }
  });
});

describe('the admin listen address', () => {
  it('follows the same host:port rule, with ":PORT" meaning every interface', () => {
    expect(parseListen('127.0.0.1:9100')).toEqual({ host: '127.0.0.1', port: 9100 });
    expect(parseListen('[::1]:9100')).toEqual({ host: '::1', port: 9100 });
    expect(parseListen(':9100')).toEqual({ host: '0.0.0.0', port: 9100 });
    for (const bad of ['nowhere', '::1:9100', 'host:99999']) {
      expect(() => parseListen(bad)).toThrow(expect.objectContaining({ code: 'ERR_ADMIN_CONFIG' }));
    }
  });
});

describe('the link host', () => {
  const listen = [{ host: '0.0.0.0', port: 443 }, { host: '192.0.2.7', port: 8443 }];

  it('takes link_host, then public_host, then a listen address that is not a wildcard', () => {
    expect(chooseLinkHost({ linkHost: 'a.example', publicHost: 'b.example', listen })).toBe('a.example');
    expect(chooseLinkHost({ publicHost: 'b.example', listen })).toBe('b.example');
    expect(chooseLinkHost({ listen })).toBe('192.0.2.7');
    expect(chooseLinkHost({ listen: [{ host: '::', port: 443 }] })).toBeUndefined();
  });

  it('takes link_port, else the first listen port; no host, no target', () => {
    expect(chooseLinkTarget({ publicHost: 'b.example', listen })).toEqual({ host: 'b.example', port: 443 });
    expect(chooseLinkTarget({ publicHost: 'b.example', linkPort: 8888, listen })).toEqual({ host: 'b.example', port: 8888 });
    expect(chooseLinkTarget({ listen: [{ host: '0.0.0.0', port: 443 }] })).toBeUndefined();
    expect(chooseLinkTarget({ listen: [{ host: '127.0.0.1', port: 0 }] })).toBeUndefined();
  });
});
