/**
 * Admin tokens: `mts_` + 32 random bytes in base64url (256 bits), shown once. Only the SHA-256 hex is kept —
 * in `[[admin.tokens]]` (config) or the tokens state file (runtime-created, JSON, mode 0600, written
 * atomically: temp file, fsync, rename), which survives SIGHUP and restart. Verification hashes the presented
 * token and compares it against every stored hash in constant time (no early exit), so timing reveals neither
 * which token matched nor how much of it.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { writeFileAtomic } from '../../state/overlay-persistence.js';
import type { Clock } from '../clock.js';
import { SecurityError, invalid } from '../errors.js';
import { AccessLevel, levelName, parseLevel, type LevelName } from './levels.js';

export const TOKEN_PREFIX = 'mts_';

export function hashToken(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}

export function generateAdminToken(): { token: string; sha256: string } {
  const token = TOKEN_PREFIX + randomBytes(32).toString('base64url');
  return { token, sha256: hashToken(token) };
}

/** The `[[admin.tokens]]` TOML block for a new token (what `mtshield token create` prints). */
export function tokenTomlBlock(name: string, level: LevelName, sha256: string, expiresAt?: number): string {
  const lines = ['[[admin.tokens]]', `name = ${JSON.stringify(name)}`, `level = "${level}"`, `sha256 = "${sha256}"`];
  if (expiresAt !== undefined) lines.push(`expires = "${new Date(expiresAt).toISOString().replace(/\.\d{3}Z$/, 'Z')}"`);
  return lines.join('\n');
}

export interface AdminTokenConfig {
  name: string;
  level: string;
  sha256: string;
  expires?: string | Date;
}

export interface TokenRecord {
  name: string;
  level: AccessLevel;
  sha256: string;
  source: 'config' | 'state';
  createdAt?: number;
  expiresAt?: number;
  revoked: boolean;
}

interface StateFile {
  tokens: { name: string; level: LevelName; sha256: string; createdAt: number; expiresAt?: number }[];
  revoked: string[];
}

const NAME = /^[A-Za-z0-9_.@-]{1,64}$/;

export class TokenStore {
  private records: TokenRecord[] = [];
  private state: StateFile = { tokens: [], revoked: [] };

  /** A policy hook on creation (strong_auth): returns why a token with this expiry may not be made. */
  guard: (expiresAt: number | undefined) => string | undefined = () => undefined;

  constructor(
    configTokens: readonly AdminTokenConfig[],
    private readonly stateFile: string | undefined,
    private readonly clock: Clock,
  ) {
    if (stateFile && existsSync(stateFile)) {
      try {
        const parsed = JSON.parse(readFileSync(stateFile, 'utf8')) as Partial<StateFile>;
        this.state = { tokens: parsed.tokens ?? [], revoked: parsed.revoked ?? [] };
      } catch (err) {
        throw new SecurityError('ERR_SECURITY_STATE', `tokens file ${stateFile} is not valid JSON`, { cause: err });
      }
    }
    this.reloadConfig(configTokens);
  }

  reloadConfig(configTokens: readonly AdminTokenConfig[]): void {
    const fromConfig: TokenRecord[] = configTokens.map((t) => {
      const expiresAt = t.expires === undefined ? undefined : t.expires instanceof Date ? t.expires.getTime() : Date.parse(t.expires);
      if (expiresAt !== undefined && !Number.isFinite(expiresAt)) throw invalid(`admin.tokens.${t.name}.expires`, 'not a date-time');
      return { name: t.name, level: parseLevel(t.level), sha256: t.sha256.toLowerCase(), source: 'config', expiresAt, revoked: false };
    });
    const fromState: TokenRecord[] = this.state.tokens.map((t) => ({
      name: t.name,
      level: parseLevel(t.level),
      sha256: t.sha256,
      source: 'state',
      createdAt: t.createdAt,
      expiresAt: t.expiresAt,
      revoked: false,
    }));
    this.records = [...fromConfig, ...fromState].map((r) => ({ ...r, revoked: this.state.revoked.includes(r.sha256) }));
  }

  private save(): void {
    if (!this.stateFile) return;
    try {
      writeFileAtomic(this.stateFile, JSON.stringify(this.state, null, 2));
    } catch (err) {
      throw new SecurityError('ERR_SECURITY_STATE', `cannot write tokens file ${this.stateFile}`, { cause: err });
    }
  }

  /** Creates a runtime token; the returned `token` is the only time the value exists outside the caller. */
  create(options: { name: string; level: LevelName | AccessLevel; expiresAt?: number }): { token: string; record: TokenRecord } {
    if (!NAME.test(options.name)) throw invalid('name', 'token names are 1–64 of A-Z a-z 0-9 _ . @ -');
    if (this.records.some((r) => r.name === options.name && !r.revoked)) throw invalid('name', `a token named "${options.name}" exists`);
    const level = typeof options.level === 'number' ? options.level : parseLevel(options.level);
    if (level < AccessLevel.READ_ONLY || level === AccessLevel.STANDARD) throw invalid('level', 'admin tokens are read_only, admin or superuser');
    if (options.expiresAt !== undefined && !(options.expiresAt > this.clock.now())) throw invalid('expires', 'must be in the future');
    const refusal = this.guard(options.expiresAt);
    if (refusal) throw new SecurityError('ERR_SECURITY_POLICY', refusal, { field: 'expires' });
    const { token, sha256 } = generateAdminToken();
    const createdAt = this.clock.now();
    this.state.tokens.push({ name: options.name, level: levelName(level), sha256, createdAt, expiresAt: options.expiresAt });
    this.save();
    const record: TokenRecord = { name: options.name, level, sha256, source: 'state', createdAt, expiresAt: options.expiresAt, revoked: false };
    this.records.push(record);
    return { token, record: { ...record } };
  }

  /** Revokes every live token with this name (config tokens too: the revocation is kept in the state file). */
  revoke(name: string): TokenRecord[] {
    const hits = this.records.filter((r) => r.name === name && !r.revoked);
    if (hits.length === 0) throw new SecurityError('ERR_SECURITY_NOT_FOUND', `no live token named "${name}"`, { field: 'name' });
    for (const record of hits) {
      record.revoked = true;
      this.state.revoked.push(record.sha256);
    }
    this.save();
    return hits.map((r) => ({ ...r }));
  }

  list(): TokenRecord[] {
    return this.records.map((r) => ({ ...r }));
  }

  /** The live record matching `token`, or undefined (wrong, expired or revoked). Constant time over all records. */
  verify(token: string): TokenRecord | undefined {
    const presented = createHash('sha256').update(token, 'utf8').digest();
    let found: TokenRecord | undefined;
    for (const record of this.records) {
      const stored = Buffer.from(record.sha256, 'hex');
      const equal = stored.length === presented.length && timingSafeEqual(stored, presented);
      if (equal && found === undefined) found = record;
    }
    if (!found || found.revoked) return undefined;
    if (found.expiresAt !== undefined && found.expiresAt <= this.clock.now()) return undefined;
    return { ...found };
  }
}
