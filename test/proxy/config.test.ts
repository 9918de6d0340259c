/** Config: TOML → schema → frozen config; units; errors that name the key; the example file; first run. */
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, defaultConfig, parseConfigText, loadConfigFile, parseDuration, parseSize } from '../../src/config/index.js';
import { isMtShieldError } from '../../src/errors.js';
import { packagePath } from '../../src/util/paths.js';

const SECRET = 'ee000102030405060708090a0b0c0d0e0f7777772e676f6f676c652e636f6d';

function invalid(text: string): ConfigError {
  try {
    parseConfigText(text, 'test.toml');
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return err as ConfigError;
  }
  throw new Error('config was accepted');
}

describe('units', () => {
  it('parses durations and sizes', () => {
    expect(parseDuration('250ms')).toBe(250);
    expect(parseDuration('5s')).toBe(5000);
    expect(parseDuration('2m')).toBe(120_000);
    expect(parseDuration(3)).toBe(3000);
    expect(parseDuration('soon')).toBeUndefined();
    expect(parseSize('10MiB')).toBe(10 * 1024 * 1024);
    expect(parseSize('50GiB')).toBe(50 * 1024 ** 3);
    expect(parseSize('1KB')).toBe(1000);
    expect(parseSize(512)).toBe(512);
    expect(parseSize('-1')).toBeUndefined();
  });
});

describe('parsing', () => {
  it('reads the issue example with units converted and defaults filled in', () => {
    const config = parseConfigText(`
[server]
listen = ["0.0.0.0:443", "[::]:443"]
[users.alice]
secret = "${SECRET}"
max_connections = 100
max_ips = 5
quota = "50GiB"
expires = "2027-06-01T00:00:00Z"
[upstream.dc]
"2" = ["127.0.0.1:4000"]
[fronting]
host = "www.example.com"
port = 443
[tls]
max_skew = "120s"
[admin]
listen = "127.0.0.1:9100"
`);
    expect(config.server.listen).toEqual([{ host: '0.0.0.0', port: 443 }, { host: '::', port: 443 }]);
    expect(config.users[0]).toMatchObject({ name: 'alice', maxConnections: 100, maxIps: 5, quotaBytes: 50 * 1024 ** 3, level: 'standard' });
    expect(config.users[0]!.expiresAt).toBe(Date.parse('2027-06-01T00:00:00Z'));
    expect(config.upstream.dc['2']).toEqual([{ host: '127.0.0.1', port: 4000 }]);
    expect(config.tls.maxSkewMs).toBe(120_000);
    expect(config.server.handshakeTimeoutMs).toBe(10_000);
    expect(config.server.allowModes).toEqual(['plain', 'dd', 'ee']);
    expect(config.server.gc).toBe('single-threaded');
    expect(Object.isFrozen(config.server.listen)).toBe(true);
  });

  it('names the key path and the problem', () => {
    const err = invalid(`
[server]
listen = "nowhere"
handshake_timeout = "soon"
colour = "blue"
gc = "turbo"
[users.bob]
secret = "abcd"
quota = "lots"
[tls]
max_skew = -1
`);
    expect(err.code).toBe('ERR_CONFIG_INVALID');
    const paths = err.issues.map((i) => i.path);
    expect(paths).toEqual(expect.arrayContaining(['server.listen', 'server.handshake_timeout', 'server', 'server.gc', 'users.bob.secret', 'users.bob.quota', 'tls.max_skew']));
    expect(err.message).toContain('users.bob.quota');
    expect(err.message).toContain('"colour"');
    expect(err.message).not.toContain('abcd'); // secrets are never echoed
  });

  it('reports TOML syntax errors with a line', () => {
    const err = invalid('[server\nlisten = 1');
    expect(err.code).toBe('ERR_CONFIG_SYNTAX');
    expect(err.message).toMatch(/line 1/);
  });

  it('refuses a bad user name and a bad DC key', () => {
    const err = invalid(`[users."bad name"]\nsecret = "${SECRET}"\n[upstream.dc]\n"two" = ["1.2.3.4:443"]`);
    expect(err.issues.map((i) => i.path).join(' ')).toMatch(/users/);
    expect(err.issues.map((i) => i.path).join(' ')).toMatch(/upstream\.dc/);
  });

  it('reads a missing file as a typed error', () => {
    try {
      loadConfigFile('/nonexistent/mtshield.toml');
      throw new Error('loaded');
    } catch (err) {
      expect(isMtShieldError(err, 'ERR_CONFIG_READ')).toBe(true);
    }
  });

  it('the shipped example config is valid', () => {
    const config = loadConfigFile(packagePath('config', 'mtshield.example.toml'));
    expect(config.users.map((u) => u.name)).toEqual(['alice']);
    expect(config.server.listen).toEqual([{ host: '0.0.0.0', port: 8443 }]);
  });
});

describe('first run without a config', () => {
  it('generates an ee secret once, keeps it in the state dir (0600) and reuses it', () => {
    const dir = mkdtempSync(join(tmpdir(), 'mtshield-first-'));
    try {
      const first = defaultConfig(join(dir, 'state'));
      expect(first.generated).toBe(true);
      expect(first.config.users).toHaveLength(1);
      expect(first.config.users[0]!.secret).toMatch(/^ee[0-9a-f]{32}/);
      expect(first.config.server.listen).toEqual([{ host: '0.0.0.0', port: 8443 }]);
      const file = join(dir, 'state', 'secret.json');
      expect(statSync(file).mode & 0o777).toBe(0o600);
      const second = defaultConfig(join(dir, 'state'));
      expect(second.generated).toBe(false);
      expect(second.config.users[0]!.secret).toBe(first.config.users[0]!.secret);
      expect(JSON.parse(readFileSync(file, 'utf8')).secret).toBe(first.config.users[0]!.secret);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
