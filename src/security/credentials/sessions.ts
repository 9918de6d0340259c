/**
 * Admin sessions: a token exchanged for a short-lived random id (`mss_` + 32 random bytes, base64url).
 * Sessions are kept by the SHA-256 of the id, so a memory dump or a listing never shows a usable id; the
 * public `handle` (first 16 hex of that hash) names a session for listing and revocation.
 * A session belongs to the SHA-256 of the token that opened it (not to the token's name), so a token revoked
 * and re-created under the same name does not revive the old sessions; each token holds at most
 * `perTokenCap` sessions, so one token cannot push everyone else's sessions out of the global cap.
 */
import { createHash, randomBytes } from 'node:crypto';
import type { Clock } from '../clock.js';
import { SecurityError } from '../errors.js';
import type { AccessLevel } from './levels.js';

export const SESSION_PREFIX = 'mss_';
/** Sessions one token may hold at once (an operator's tabs and scripts fit; a flood does not). */
export const SESSIONS_PER_TOKEN = 32;

export interface Session {
  handle: string;
  tokenName: string;
  /** SHA-256 (hex) of the token that opened the session: the session lives only while that token does. */
  tokenSha256: string;
  level: AccessLevel;
  ip?: string;
  createdAt: number;
  expiresAt: number;
}

function idHash(id: string): string {
  return createHash('sha256').update(id, 'utf8').digest('hex');
}

export class SessionManager {
  private readonly sessions = new Map<string, Session>();

  constructor(
    private readonly clock: Clock,
    private readonly maxSessions = 10_000,
    private readonly perTokenCap = SESSIONS_PER_TOKEN,
  ) {}

  create(owner: { name: string; sha256: string }, level: AccessLevel, ttlMs: number, ip?: string): { id: string; session: Session } {
    this.sweep();
    let held = 0;
    for (const session of this.sessions.values()) if (session.tokenSha256 === owner.sha256) held++;
    if (held >= this.perTokenCap) {
      throw new SecurityError('ERR_SECURITY_RATE_LIMITED', `token "${owner.name}" already holds ${held} sessions (the cap); end one first`);
    }
    if (this.sessions.size >= this.maxSessions) {
      // Drop the oldest: a flood of logins must not grow memory without bound.
      const oldest = this.sessions.keys().next().value;
      if (oldest !== undefined) this.sessions.delete(oldest);
    }
    const id = SESSION_PREFIX + randomBytes(32).toString('base64url');
    const hash = idHash(id);
    const now = this.clock.now();
    const session: Session = { handle: hash.slice(0, 16), tokenName: owner.name, tokenSha256: owner.sha256, level, ip, createdAt: now, expiresAt: now + ttlMs };
    this.sessions.set(hash, session);
    return { id, session: { ...session } };
  }

  verify(id: string): Session | undefined {
    const hash = idHash(id);
    const session = this.sessions.get(hash);
    if (!session) return undefined;
    if (session.expiresAt <= this.clock.now()) {
      this.sessions.delete(hash);
      return undefined;
    }
    return { ...session };
  }

  /** Revoke by the session id itself or by its handle. */
  revoke(idOrHandle: string): Session {
    const byId = idOrHandle.startsWith(SESSION_PREFIX) ? idHash(idOrHandle) : undefined;
    for (const [hash, session] of this.sessions) {
      if (hash === byId || session.handle === idOrHandle) {
        this.sessions.delete(hash);
        return { ...session };
      }
    }
    throw new SecurityError('ERR_SECURITY_NOT_FOUND', 'no such session', { field: 'session' });
  }

  /** Ends every session opened with a token (when that token is revoked). */
  revokeByToken(tokenName: string): number {
    let count = 0;
    for (const [hash, session] of this.sessions) {
      if (session.tokenName === tokenName) {
        this.sessions.delete(hash);
        count++;
      }
    }
    return count;
  }

  list(): Session[] {
    this.sweep();
    return [...this.sessions.values()].map((s) => ({ ...s }));
  }

  sweep(): void {
    const now = this.clock.now();
    for (const [hash, session] of this.sessions) if (session.expiresAt <= now) this.sessions.delete(hash);
  }
}
