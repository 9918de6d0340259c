/**
 * MTProxy secrets: parse, validate, format and generate.
 * [tdlib ProxySecret; docs/protocol.md "Secrets and links"]
 *
 *   plain   | key (16)                        |                       16 bytes
 *   dd      | dd | key (16)                   |                       17 bytes
 *   ee      | ee | key (16) | domain (UTF-8, 1..182 bytes)           18..199 bytes
 *           0    1          17
 *
 * Text forms: hex (any case) or base64 / base64url, padded or not. Hex wins when a text is valid as both.
 * Any secret longer than 16 bytes makes the client speak padded intermediate inside the obfuscation.
 * Errors are SecretError with stable codes; messages never contain the secret.
 */
import { randomBytes } from 'node:crypto';
import { copyBytes, fromBase64Any, fromHex, isHex, toBase64Url, toHex } from './bytes.js';
import { SecretError } from './errors.js';
import type { SecretMode } from '../vocabulary/index.js';

export type { SecretMode } from '../vocabulary/index.js';
export type SecretEncoding = 'hex' | 'base64url';

export interface ParsedSecret {
  readonly mode: SecretMode;
  /** The 16-byte key S used by obfuscated2 key derivation and the fake-TLS HMAC. */
  readonly key: Uint8Array;
  /** Fake-TLS (ee) only: the domain the client puts in its SNI. */
  readonly domain?: string;
}

export const SECRET_KEY_LENGTH = 16;
export const MAX_DOMAIN_BYTES = 182;
const PREFIX_DD = 0xdd;
const PREFIX_EE = 0xee;

const utf8Strict = new TextDecoder('utf-8', { fatal: true });
const utf8Encoder = new TextEncoder();
// Controls, spaces and URL/SNI delimiters cannot appear in a host name a client will send as SNI.
const BAD_DOMAIN_CHARS = /[\u0000-\u0020\u007f/?#@\\[\]]/u;

/** Parses a secret given as hex or base64(url) text. */
export function parseSecret(text: string): ParsedSecret {
  if (typeof text !== 'string') throw new SecretError('ERR_PROTOCOL_SECRET_EMPTY', 'secret must be a string');
  const trimmed = text.trim();
  if (trimmed.length === 0) throw new SecretError('ERR_PROTOCOL_SECRET_EMPTY', 'secret is empty');
  if (isHex(trimmed)) {
    const bytes = fromHex(trimmed);
    return parseSecretBytes(bytes);
  }
  const decoded = fromBase64Any(trimmed);
  if (!decoded) {
    throw new SecretError(
      'ERR_PROTOCOL_SECRET_ENCODING',
      `secret is neither hex nor base64url (${trimmed.length} characters)`,
    );
  }
  return parseSecretBytes(decoded);
}

/** Validates the binary form of a secret. */
export function parseSecretBytes(bytes: Uint8Array): ParsedSecret {
  const len = bytes.length;
  if (len === SECRET_KEY_LENGTH) return Object.freeze({ mode: 'plain', key: copyBytes(bytes) });
  if (len < SECRET_KEY_LENGTH) {
    throw new SecretError('ERR_PROTOCOL_SECRET_LENGTH', `secret is ${len} bytes; a key needs 16`);
  }
  const prefix = bytes[0];
  if (prefix === PREFIX_DD) {
    if (len !== 17) {
      throw new SecretError('ERR_PROTOCOL_SECRET_LENGTH', `dd secret is ${len} bytes; expected 17 (dd + 16-byte key)`);
    }
    return Object.freeze({ mode: 'dd', key: copyBytes(bytes, 1, 17) });
  }
  if (prefix === PREFIX_EE) {
    if (len === 17) throw new SecretError('ERR_PROTOCOL_SECRET_DOMAIN', 'ee secret has no domain after the 16-byte key');
    const domain = decodeDomain(bytes.subarray(17));
    return Object.freeze({ mode: 'ee', key: copyBytes(bytes, 1, 17), domain });
  }
  throw new SecretError(
    'ERR_PROTOCOL_SECRET_PREFIX',
    `secret is ${len} bytes but does not start with dd or ee; only a plain secret is 16 bytes`,
  );
}

function decodeDomain(raw: Uint8Array): string {
  if (raw.length > MAX_DOMAIN_BYTES) {
    throw new SecretError('ERR_PROTOCOL_SECRET_DOMAIN', `ee domain is ${raw.length} bytes; at most ${MAX_DOMAIN_BYTES}`);
  }
  let domain: string;
  try {
    domain = utf8Strict.decode(raw);
  } catch {
    throw new SecretError('ERR_PROTOCOL_SECRET_DOMAIN', 'ee domain is not valid UTF-8');
  }
  validateDomain(domain);
  return domain;
}

/** Checks a fake-TLS domain (length in UTF-8 bytes and characters allowed in a host name). */
export function validateDomain(domain: string): void {
  const size = utf8Encoder.encode(domain).length;
  if (size === 0) throw new SecretError('ERR_PROTOCOL_SECRET_DOMAIN', 'ee domain is empty');
  if (size > MAX_DOMAIN_BYTES) {
    throw new SecretError('ERR_PROTOCOL_SECRET_DOMAIN', `ee domain is ${size} bytes; at most ${MAX_DOMAIN_BYTES}`);
  }
  if (BAD_DOMAIN_CHARS.test(domain)) {
    throw new SecretError('ERR_PROTOCOL_SECRET_DOMAIN', 'ee domain contains spaces, control or delimiter characters');
  }
  if (domain.startsWith('.') || domain.endsWith('.') || domain.includes('..')) {
    throw new SecretError('ERR_PROTOCOL_SECRET_DOMAIN', 'ee domain has an empty label');
  }
}

/** The binary form: [prefix] key [domain]. */
export function secretBytes(secret: ParsedSecret): Uint8Array {
  if (secret.key.length !== SECRET_KEY_LENGTH) {
    throw new SecretError('ERR_PROTOCOL_SECRET_LENGTH', `secret key is ${secret.key.length} bytes; expected 16`);
  }
  switch (secret.mode) {
    case 'plain':
      return copyBytes(secret.key);
    case 'dd': {
      const out = new Uint8Array(17);
      out[0] = PREFIX_DD;
      out.set(secret.key, 1);
      return out;
    }
    case 'ee': {
      if (secret.domain === undefined) throw new SecretError('ERR_PROTOCOL_SECRET_DOMAIN', 'ee secret needs a domain');
      validateDomain(secret.domain);
      const domain = utf8Encoder.encode(secret.domain);
      const out = new Uint8Array(17 + domain.length);
      out[0] = PREFIX_EE;
      out.set(secret.key, 1);
      out.set(domain, 17);
      return out;
    }
    default:
      throw new SecretError('ERR_PROTOCOL_SECRET_MODE', 'secret mode must be plain, dd or ee');
  }
}

/**
 * Text form of a secret. Hex is the default: some clients mis-handle base64 in ee links, and every client
 * accepts hex.
 */
export function formatSecret(secret: ParsedSecret, encoding: SecretEncoding = 'hex'): string {
  const bytes = secretBytes(secret);
  return encoding === 'base64url' ? toBase64Url(bytes) : toHex(bytes);
}

/** A new secret with 16 random key bytes; ee needs the domain the client will put in its SNI. */
export function generateSecret(mode: SecretMode = 'ee', domain?: string): ParsedSecret {
  if (mode !== 'plain' && mode !== 'dd' && mode !== 'ee') {
    throw new SecretError('ERR_PROTOCOL_SECRET_MODE', 'secret mode must be plain, dd or ee');
  }
  const key = new Uint8Array(randomBytes(SECRET_KEY_LENGTH));
  if (mode !== 'ee') return Object.freeze({ mode, key });
  if (domain === undefined) throw new SecretError('ERR_PROTOCOL_SECRET_DOMAIN', 'an ee secret needs a domain');
  validateDomain(domain);
  return Object.freeze({ mode, key, domain });
}
