/**
 * The relay key file: created with mode 0600 when absent, the same public key (one base64url token) on every
 * call, a corrupt file refused with a typed error, and public keys parsed in base64url, base64 and hex.
 */
import { mkdtempSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadOrCreateKeyFile, parsePublicKey } from '../../../src/upstream/relay/index.js';

describe('relay key file', () => {
  it('creates the key with mode 0600 once and returns the same public key after', () => {
    const dir = mkdtempSync(join(tmpdir(), 'relay-key-'));
    const file = join(dir, 'relay.key');
    const first = loadOrCreateKeyFile(file);
    expect(first.created).toBe(true);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(first.publicKeyText).toMatch(/^[A-Za-z0-9_-]{43}$/);
    const second = loadOrCreateKeyFile(file);
    expect(second.created).toBe(false);
    expect(second.publicKeyText).toBe(first.publicKeyText);
  });

  it('refuses a file that does not hold a key', () => {
    const dir = mkdtempSync(join(tmpdir(), 'relay-key-'));
    const file = join(dir, 'relay.key');
    writeFileSync(file, 'not a key\n');
    expect(() => loadOrCreateKeyFile(file)).toThrowError(expect.objectContaining({ code: 'ERR_RELAY_KEY_FILE' }) as Error);
  });

  it('parses public keys in base64url, base64 and hex', () => {
    const { publicKeyText, keyPair } = loadOrCreateKeyFile(join(mkdtempSync(join(tmpdir(), 'relay-key-')), 'k'));
    const hex = Buffer.from(keyPair.publicKey).toString('hex');
    const b64 = Buffer.from(keyPair.publicKey).toString('base64');
    for (const text of [publicKeyText, hex, b64]) expect(Buffer.from(parsePublicKey(text)).equals(Buffer.from(keyPair.publicKey))).toBe(true);
    expect(() => parsePublicKey('abc')).toThrowError(expect.objectContaining({ code: 'ERR_RELAY_BAD_KEY' }) as Error);
  });
});
