/**
 * The relay's static key file (docs/protocol.md "Relay tunnel"): the X25519 private key as one line of unpadded
 * base64url. Created with mode 0600 when absent, atomically (written to a temporary file, then hard-linked into
 * place, which fails rather than replaces if another process got there first), so every call, and every
 * process, sees the same key. The public key is printed as one base64url token (x25519.ts formatPublicKey).
 */
import { linkSync, readFileSync, unlinkSync, writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { dirname, join } from 'node:path';
import { RelayConfigError } from './errors.js';
import { formatPublicKey, keyPairFromPrivate, randomPrivateKey, type X25519KeyPair } from './x25519.js';

export interface RelayKeyFile {
  keyPair: X25519KeyPair;
  /** The public key as the operator copies it into the other side's config. */
  publicKeyText: string;
  created: boolean;
}

export function loadOrCreateKeyFile(path: string): RelayKeyFile {
  let created = false;
  let text = readKey(path);
  if (text === undefined) {
    const tmp = join(dirname(path), `.${randomBytes(6).toString('hex')}.relay-key.tmp`);
    try {
      writeFileSync(tmp, `${Buffer.from(randomPrivateKey()).toString('base64url')}\n`, { mode: 0o600, flag: 'wx' });
      linkSync(tmp, path);
      created = true;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw new RelayConfigError('ERR_RELAY_KEY_FILE', `cannot create relay key file ${path}: ${(err as Error).message}`, { cause: err });
    } finally {
      try {
        unlinkSync(tmp);
      } catch {
        // never created
      }
    }
    text = readKey(path);
    if (text === undefined) throw new RelayConfigError('ERR_RELAY_KEY_FILE', `relay key file ${path} vanished after creation`);
  }
  const raw = Buffer.from(text, 'base64url');
  if (!/^[A-Za-z0-9_-]{43}$/.test(text) || raw.length !== 32) throw new RelayConfigError('ERR_RELAY_KEY_FILE', `relay key file ${path} does not hold a base64url X25519 private key`);
  const keyPair = keyPairFromPrivate(raw);
  raw.fill(0);
  return { keyPair, publicKeyText: formatPublicKey(keyPair.publicKey), created };
}

function readKey(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8').trim();
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new RelayConfigError('ERR_RELAY_KEY_FILE', `cannot read relay key file ${path}: ${(err as Error).message}`, { cause: err });
  }
}
