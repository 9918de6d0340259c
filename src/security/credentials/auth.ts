/**
 * Admin authentication: a Bearer credential is an admin token (`mts_…`) or a session id (`mss_…`).
 *   authenticate(credential, ip)  → level and principal, or a refusal (401 missing / unknown / expired /
 *                                   revoked, 429 when the IP sent too many wrong credentials:
 *                                   `auth_failures_per_minute`)
 *   createSession(credential, ip) → exchanges a token for a session (not a session for a session)
 *   isLive(credential)            → whether a credential still holds, without counting or reporting (event
 *                                   streams re-check their credential with it)
 * A valid credential always passes, whatever others sent from the same address: the limit only refuses wrong
 * credentials, so a local process or a web page cannot lock operators out. Requests without credentials are
 * refused (401) but neither counted nor audited (a login form's first request is not an attack). Each wrong
 * credential within the budget is counted for metrics and audited as its own `auth.failed` event; past the
 * budget the refusals are folded into a throttled `auth.rate_limited` event per IP (the audit log listens).
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
  | { ok: true; level: AccessLevel; levelName: LevelName; principal: { kind: 'token' | 'session'; name: string; sha256?: string; handle?: string; expiresAt?: number } }
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
    // Only refusals past the budget come here (each wrong credential within it is audited in fail()).
    counters.authAttempts.rateLimited++;
    this.events.emitThrottled(`auth.rate_limited:${r.ip}`, { type: 'auth.rate_limited', severity: 'medium', message: `admin authentication refused from ${r.ip}: too many wrong credentials`, ip: r.ip, details: { reason: r.reason } });
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

  /** A wrong credential: counted against the IP; audited one by one within the budget, folded past it. */
  private async fail(ip: string, reason: Extract<AuthResult, { ok: false }>['reason']): Promise<AuthResult> {
    const retryAfterMs = await this.limited(ip);
    if (retryAfterMs !== undefined) {
      this.report({ ok: false, ip, reason: 'rate_limited' });
      return { ok: false, status: 429, reason: 'rate_limited', retryAfterMs };
    }
    try {
      await this.failures.consume(ip);
    } catch {
      // the last one within the budget: the next wrong credential gets 429
    }
    this.events.counters.authAttempts.failed++;
    this.events.emit({ type: 'auth.failed', severity: 'medium', message: `admin authentication failed from ${ip}: ${reason}`, ip, details: { reason } });
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

  /** The live session behind an id whose opening token (by hash) is still live and unexpired. */
  private liveSession(id: string): Session | undefined {
    const session = this.sessions.verify(id);
    if (!session) return undefined;
    const now = this.clock.now();
    const owner = this.tokens.list().find((t) => t.sha256 === session.tokenSha256 && !t.revoked && (t.expiresAt === undefined || t.expiresAt > now));
    return owner ? session : undefined;
  }

  /** Whether a credential (token or session id) still holds: no counting, no events. */
  isLive(credential: string): boolean {
    if (credential.startsWith(SESSION_PREFIX)) return this.liveSession(credential) !== undefined;
    const record = this.tokens.verify(credential);
    if (!record) return false;
    return !(this.strongAuthProblem(credential, record) && this.policies.mode('strong_auth') === 'enforce');
  }

  async authenticate(credential: string | undefined, ip: string): Promise<AuthResult> {
    if (!credential) return { ok: false, status: 401, reason: 'missing' };
    if (credential.startsWith(SESSION_PREFIX)) {
      const session = this.liveSession(credential);
      if (!session) return this.fail(ip, 'expired_or_revoked');
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
    return { ok: true, level: record.level, levelName: levelName(record.level), principal: { kind: 'token', name: record.name, sha256: record.sha256, expiresAt: record.expiresAt } };
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
    return this.sessions.create({ name: result.principal.name, sha256: result.principal.sha256! }, result.level, Math.max(ttl, 1), ip);
  }
}
