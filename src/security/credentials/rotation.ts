/**
 * Key lifecycle: `rotateEncryptionKeys()` gives proxy users new secrets (same mode and fake-TLS domain; the
 * old secret keeps working for the grace period through UserDirectory.rotate) and replaces admin tokens on
 * request (new value, same name and level; the old one is revoked). The new secrets, links and tokens are
 * returned to the caller and, for scheduled rotations, appended to `[security] rotation_links_file`
 * (mode 0600) — never written to a log line: logs and the audit log get names, modes and times only.
 */
import { appendFileSync, chmodSync, mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { formatSecret, generateSecret } from '../../protocol/secrets.js';
import { proxyLinks, type ProxyLinks } from '../../protocol/links.js';
import type { SecretMode } from '../../events.js';
import { SecurityError } from '../errors.js';
import type { TokenStore } from './tokens.js';
import type { SessionManager } from './sessions.js';

/** The part of the proxy's UserDirectory rotation needs (src/proxy/users.ts). */
export interface RotatableUsers {
  list(): { name: string; mode: SecretMode; domain?: string; expiresAt?: number; maxConnections?: number; quotaBytes?: number; level?: string; secret?: string }[];
  rotate(name: string, newSecret: string, graceMs: number): unknown;
}

export interface RotatedUser {
  name: string;
  mode: SecretMode;
  /** The new secret (hex) — for the caller to hand out; never logged. */
  secret: string;
  links?: ProxyLinks;
  oldSecretValidUntil: number;
}

export interface RotatedToken {
  name: string;
  level: string;
  /** The new token value, shown once. */
  token: string;
  sha256: string;
}

export interface RotationResult {
  at: number;
  users: RotatedUser[];
  tokens: RotatedToken[];
}

export interface RotationOptions {
  /** User names, or 'all'. Default: none. */
  users?: string[] | 'all';
  /** Admin token names to replace. Default: none. */
  tokens?: string[];
  graceMs?: number;
}

export function rotateKeys(
  deps: { users?: RotatableUsers; tokens: TokenStore; sessions: SessionManager; now: number; link?: { host: string; port: number } },
  options: RotationOptions,
  defaultGraceMs: number,
): RotationResult {
  const graceMs = options.graceMs ?? defaultGraceMs;
  const result: RotationResult = { at: deps.now, users: [], tokens: [] };
  if (options.users && (options.users === 'all' || options.users.length > 0)) {
    if (!deps.users) throw new SecurityError('ERR_SECURITY_UNAVAILABLE', 'no user directory is wired to the security layer');
    const all = deps.users.list();
    const names = options.users === 'all' ? all.map((u) => u.name) : options.users;
    for (const name of names) {
      const user = all.find((u) => u.name === name);
      if (!user) throw new SecurityError('ERR_SECURITY_NOT_FOUND', `no user "${name}"`, { field: 'users' });
      const secret = formatSecret(generateSecret(user.mode, user.mode === 'ee' ? user.domain : undefined));
      deps.users.rotate(name, secret, graceMs);
      result.users.push({
        name,
        mode: user.mode,
        secret,
        links: deps.link ? proxyLinks(deps.link.host, deps.link.port, secret) : undefined,
        oldSecretValidUntil: deps.now + graceMs,
      });
    }
  }
  for (const name of options.tokens ?? []) {
    const old = deps.tokens.list().find((t) => t.name === name && !t.revoked);
    if (!old) throw new SecurityError('ERR_SECURITY_NOT_FOUND', `no live token named "${name}"`, { field: 'tokens' });
    deps.tokens.revoke(name);
    deps.sessions.revokeByToken(name);
    const created = deps.tokens.create({ name, level: old.level, expiresAt: old.expiresAt && old.expiresAt > deps.now ? old.expiresAt : undefined });
    result.tokens.push({ name, level: String(created.record.level), token: created.token, sha256: created.record.sha256 });
  }
  return result;
}

export function rotationLinksText(result: RotationResult): string {
  const lines = [`# rotation at ${new Date(result.at).toISOString()}`];
  for (const user of result.users) {
    lines.push(`${user.name}\t${user.links?.tg ?? user.secret}\t${user.links?.https ?? ''}\told secret valid until ${new Date(user.oldSecretValidUntil).toISOString()}`);
  }
  return lines.join('\n') + '\n';
}

/**
 * Appends the new links to the operator's links file (created 0600), or — with no file configured — prints
 * them to the terminal (stderr, like `mtshield run` prints links): never into the log stream.
 */
export function writeRotationLinks(file: string | undefined, result: RotationResult): void {
  const text = rotationLinksText(result);
  if (!file) {
    process.stderr.write(`mtshield: new proxy links after key rotation\n${text}`);
    return;
  }
  mkdirSync(dirname(file), { recursive: true });
  appendFileSync(file, text, { mode: 0o600 });
  chmodSync(file, 0o600);
}

/** A summary safe for logs and the audit log (no secrets, no links). */
export function rotationSummary(result: RotationResult): Record<string, unknown> {
  return {
    users: result.users.map((u) => ({ name: u.name, mode: u.mode, oldSecretValidUntil: new Date(u.oldSecretValidUntil).toISOString() })),
    tokens: result.tokens.map((t) => ({ name: t.name, level: t.level })),
  };
}
