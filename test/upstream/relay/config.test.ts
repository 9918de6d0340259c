/**
 * The relay and SOCKS5 keys of the config (docs/operations.md "Chaining: entry and exit", "SOCKS5 upstream"):
 * the operator contract's names parse to typed values, bad values are refused naming their key, and the SOCKS5
 * password never reaches a log line.
 */
import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { buildConfig } from '../../../src/config/load.js';
import type { ConfigError } from '../../../src/config/errors.js';
import { createLogger } from '../../../src/log/logger.js';
import { RELAY_SUITE_NAMES } from '../../../src/config/schema/relay-fields.js';
import { ALL_SUITES } from '../../../src/upstream/relay/index.js';

const KEY = 'qFRq3pDsmdr6V3hZQmD5ZpTqY9CV4zlB2Uo1Upq1ejs';

function issues(input: Record<string, unknown>): { path: string; message: string }[] {
  try {
    buildConfig(input);
  } catch (err) {
    return (err as ConfigError).issues;
  }
  throw new Error('config was accepted');
}

describe('[relay] (exit) and [upstream.relay] (entry)', () => {
  it('names the same suites as the tunnel', () => {
    expect([...RELAY_SUITE_NAMES]).toEqual([...ALL_SUITES]);
  });

  it('parses the exit table of the operator contract', () => {
    const config = buildConfig({
      relay: { listen: ['0.0.0.0:8444'], key_file: 'exit.key', allow: [KEY], transport: 'websocket', path: '/t', suites: ['aes-256-gcm', 'chacha20-poly1305'] },
    });
    expect(config.relay).toEqual({
      listen: [{ host: '0.0.0.0', port: 8444 }],
      keyFile: 'exit.key',
      allow: [KEY],
      transport: 'websocket',
      path: '/t',
      suites: ['aes-256-gcm', 'chacha20-poly1305'],
    });
    expect(buildConfig({}).relay.listen).toEqual([]);
  });

  it('parses the entry table with rekey units resolved', () => {
    const config = buildConfig({ upstream: { mode: 'relay', relay: { servers: ['exit.example.net:8444'], public_key: KEY, rekey: '1MiB', rekey_after: '10m' } } });
    expect(config.upstream.mode).toBe('relay');
    expect(config.upstream.relay).toMatchObject({ servers: [{ host: 'exit.example.net', port: 8444 }], publicKey: KEY, keyFile: 'relay.key', transport: 'tcp', path: '/', rekeyBytes: 1 << 20, rekeyAfterMs: 600_000 });
    expect(config.upstream.relay?.suites).toBeUndefined();
  });

  it('refuses bad values naming the key', () => {
    expect(issues({ relay: { allow: ['not-a-key'] } }).map((i) => i.path)).toEqual(['relay.allow.0']);
    expect(issues({ relay: { transport: 'quic' } }).map((i) => i.path)).toEqual(['relay.transport']);
    expect(issues({ relay: { path: 'no-slash' } }).map((i) => i.path)).toEqual(['relay.path']);
    expect(issues({ relay: { suites: ['rot13'] } }).map((i) => i.path)).toEqual(['relay.suites.0']);
    expect(issues({ upstream: { mode: 'relay', relay: { servers: ['x:1'], public_key: 'short' } } }).map((i) => i.path)).toEqual(['upstream.relay.public_key']);
    expect(issues({ upstream: { relay: { rekey: 'lots' } } }).map((i) => i.path)).toEqual(['upstream.relay.rekey']);
  });
});

describe('[upstream.socks5]', () => {
  it('parses address, username and password', () => {
    const config = buildConfig({ upstream: { socks5: { address: '127.0.0.1:1080', username: 'u', password: 'p' } } });
    expect(config.upstream.socks5).toEqual({ address: { host: '127.0.0.1', port: 1080 }, username: 'u', password: 'p' });
  });

  it('refuses a too-long username (RFC 1929)', () => {
    expect(issues({ upstream: { socks5: { username: 'u'.repeat(256) } } }).map((i) => i.path)).toEqual(['upstream.socks5.username']);
  });

  it('never logs the password, however the upstream config is logged', () => {
    const lines: string[] = [];
    const sink = new Writable({ write: (chunk, _enc, done) => (lines.push(String(chunk)), done()) });
    const logger = createLogger('info', sink);
    const config = buildConfig({ upstream: { socks5: { address: '127.0.0.1:1080', username: 'u', password: 'hunter2-secret' } } });
    logger.info({ socks5: config.upstream.socks5 }, 'a');
    logger.info({ upstream: config.upstream }, 'b');
    logger.info({ config: { upstream: config.upstream } }, 'c');
    expect(lines).toHaveLength(3);
    expect(lines.join('')).not.toContain('hunter2-secret');
  });
});
