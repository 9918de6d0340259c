/**
 * Admin authentication: a Bearer credential is an admin token (`mts_…`) or a session id (`mss_…`).
 *   authenticate(credential, ip)  → level and principal, or a refusal (401 unknown / expired / revoked,
 *                                   429 when the IP has failed too often: `auth_failures_per_minute`)
 *   createSession(credential, ip) → exchanges a token for a session (not a session for a session)
 * Every failure is counted per IP (rate-limiter-flexible), counted for metrics and reported as a throttled
 * `auth.failed` / `auth.rate_limited` event (the audit log listens).
 * strong_auth (policy): tokens shorter than `min_token_length`, without an expiry, or expiring further out
 * than `max_token_ttl` are refused in `enforce` and reported in `monitor`; sessions last at most
 * `max_session_ttl` in `enforce`.
 */
import type { RateLimiterAbstract } from 'rate-limiter-flexible';
import type { SecurityEventSink } from '../audit/reporter.js';
import type { Clock } from '../clock.js';
import { SecurityError } from '../errors.js';
import { AccessLevel, levelName, type LevelName } from './levels.js';
import type { LimiterFactory } from '../admission/limiter-factory.js';
import type { PolicyStore } from '../policy/store.js';
import { SESSION_PREFIX, SessionManager, type Session } from './sessions.js';
import type { TokenRecord, TokenStore } from './tokens.js';

export type AuthResult =
  | { ok: true; level: AccessLevel; levelName: LevelName; principal: { kind: 'token' | 'session'; name: string; handle?: string; expiresAt?: number } }
  | { ok: false; status: 401 | 429; reason: 'missing' | 'invalid' | 'expired_or_revoked' | 'policy' | 'rate_limited'; retryAfterMs?: number };

export interface AuthReport {
  ok: boolean;
  ip: string;
  reason?: string;
  principal?: string;
  /** A strong_auth finding in monitor mode: what enforce would have refused. */
  wouldRefuse?: string;
}

export class AuthService {
  private failures: RateLimiterAbstract;

  constructor(
    readonly tokens: TokenStore,
    readonly sessions: SessionManager,
    private readonly policies: PolicyStore,
    private readonly clock: Clock,
    private readonly factory: LimiterFactory,
    private failuresPerMinute: number,
    private sessionTtlMs: number,
    private readonly events: SecurityEventSink,
  ) {
    this.failures = factory({ keyPrefix: 'auth_fail', points: failuresPerMinute, durationSec: 60 });
    tokens.guard = (expiresAt) => this.creationProblem(expiresAt);
  }

  private report(r: AuthReport): void {
    const { counters } = this.events;
    if (r.ok) {
      counters.authAttempts.ok++;
      if (r.wouldRefuse) this.events.emitThrottled(`auth.weak:${r.principal}`, { type: 'policy.would_refuse.strong_auth', severity: 'low', message: `strong_auth (monitor) would refuse ${r.principal}: ${r.wouldRefuse}`, ip: r.ip, details: { principal: r.principal } });
      return;
    }
    if (r.reason === 'rate_limited') counters.authAttempts.rateLimited++;
    else counters.authAttempts.failed++;
    this.events.emitThrottled(`auth.failed:${r.ip}:${r.reason}`, { type: r.reason === 'rate_limited' ? 'auth.rate_limited' : 'auth.failed', severity: 'medium', message: `admin authentication failed from ${r.ip}: ${r.reason}`, ip: r.ip, details: { reason: r.reason } });
  }

  /** strong_auth in enforce: new tokens must expire, and within max_token_ttl. */
  creationProblem(expiresAt: number | undefined): string | undefined {
    const rule = this.policies.rule('strong_auth');
    if (rule.mode !== 'enforce') return undefined;
    if (expiresAt === undefined) return 'strong_auth: admin tokens must have an expiry';
    if (expiresAt - this.clock.now() > rule.max_token_ttl) return `strong_auth: admin tokens may live at most ${Math.round(rule.max_token_ttl / 86_400_000)} days`;
    return undefined;
  }

  configure(failuresPerMinute: number, sessionTtlMs: number): void {
    if (failuresPerMinute !== this.failuresPerMinute) {
      this.failures = this.factory({ keyPrefix: 'auth_fail', points: failuresPerMinute, durationSec: 60 });
      this.failuresPerMinute = failuresPerMinute;
    }
    this.sessionTtlMs = sessionTtlMs;
  }

  /** What strong_auth says about a token: undefined when fine, else the reason. */
  strongAuthProblem(token: string, record: TokenRecord | undefined): string | undefined {
    const rule = this.policies.rule('strong_auth');
    if (rule.mode === 'off') return undefined;
    if (token.length < rule.min_token_length) return `token shorter than ${rule.min_token_length} characters`;
    if (record && record.expiresAt === undefined) return `token "${record.name}" has no expiry`;
    if (record?.expiresAt !== undefined && record.expiresAt - this.clock.now() > rule.max_token_ttl) {
      return `token "${record.name}" expires more than ${Math.round(rule.max_token_ttl / 86_400_000)} days from now`;
    }
    return undefined;
  }

  /**
   * strong_auth's `admin_loopback_or_tls`: may the admin API listen here? In monitor the answer is yes with
   * the reason it would not be; the admin plane refuses to start (or logs) accordingly.
   */
  checkAdminListen(where: { loopback: boolean; tls: boolean }): { allowed: boolean; reason?: string; mode: string } {
    const rule = this.policies.rule('strong_auth');
    if (rule.mode === 'off' || !rule.admin_loopback_or_tls || where.loopback || where.tls) return { allowed: true, mode: rule.mode };
    const reason = 'strong_auth: the admin API must listen on loopback or use TLS';
    return { allowed: rule.mode !== 'enforce', reason, mode: rule.mode };
  }

  private async fail(ip: string, reason: Extract<AuthResult, { ok: false }>['reason']): Promise<AuthResult> {
    this.report({ ok: false, ip, reason });
    try {
      await this.failures.consume(ip);
    } catch {
      // already over: the next attempt gets 429
    }
    return { ok: false, status: 401, reason };
  }

  private async limited(ip: string): Promise<number | undefined> {
    try {
      const res = await this.failures.get(ip);
      return res && res.consumedPoints >= this.failuresPerMinute ? Math.max(res.msBeforeNext, 1) : undefined;
    } catch {
      return undefined;
    }
  }

  async authenticate(credential: string | undefined, ip: string): Promise<AuthResult> {
    const retryAfterMs = await this.limited(ip);
    if (retryAfterMs !== undefined) {
      this.report({ ok: false, ip, reason: 'rate_limited' });
      return { ok: false, status: 429, reason: 'rate_limited', retryAfterMs };
    }
    if (!credential) return this.fail(ip, 'missing');
    if (credential.startsWith(SESSION_PREFIX)) {
      const session = this.sessions.verify(credential);
      if (!session) return this.fail(ip, 'expired_or_revoked');
      const owner = this.tokens.list().find((t) => t.name === session.tokenName && !t.revoked);
      if (!owner) return this.fail(ip, 'expired_or_revoked');
      this.report({ ok: true, ip, principal: `session:${session.tokenName}` });
      return { ok: true, level: session.level, levelName: levelName(session.level), principal: { kind: 'session', name: session.tokenName, handle: session.handle, expiresAt: session.expiresAt } };
    }
    const record = this.tokens.verify(credential);
    if (!record) return this.fail(ip, 'invalid');
    const problem = this.strongAuthProblem(credential, record);
    if (problem) {
      if (this.policies.mode('strong_auth') === 'enforce') return this.fail(ip, 'policy');
      this.report({ ok: true, ip, principal: `token:${record.name}`, wouldRefuse: problem });
    } else {
      this.report({ ok: true, ip, principal: `token:${record.name}` });
    }
    return { ok: true, level: record.level, levelName: levelName(record.level), principal: { kind: 'token', name: record.name, expiresAt: record.expiresAt } };
  }

  /** Token → session. The session id is returned once; its lifetime is capped by strong_auth in enforce. */
  async createSession(credential: string | undefined, ip: string, ttlMs?: number): Promise<{ id: string; session: Session }> {
    if (credential?.startsWith(SESSION_PREFIX)) throw new SecurityError('ERR_SECURITY_UNAUTHORIZED', 'a session cannot open another session');
    const result = await this.authenticate(credential, ip);
    if (!result.ok) {
      throw new SecurityError(result.status === 429 ? 'ERR_SECURITY_RATE_LIMITED' : 'ERR_SECURITY_UNAUTHORIZED', `authentication failed: ${result.reason}`);
    }
    let ttl = Math.min(ttlMs ?? this.sessionTtlMs, this.sessionTtlMs);
    const rule = this.policies.rule('strong_auth');
    if (rule.mode === 'enforce') ttl = Math.min(ttl, rule.max_session_ttl);
    if (result.principal.expiresAt !== undefined) ttl = Math.min(ttl, result.principal.expiresAt - this.clock.now());
    return this.sessions.create(result.principal.name, result.level, Math.max(ttl, 1), ip);
  }
}
