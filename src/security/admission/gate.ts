/**
 * The proxy's ConnectionGate (src/proxy/hooks.ts), in the order the checks run:
 *
 *   onAccept (before any byte)   block list → global access rules → geo → per-IP concurrent connections
 *                                (ip_connection_limits) → per-IP new connections/s and failed handshakes/min
 *                                (rate_limits, the only asynchronous step; skipped when the rule is off)
 *   onIdentified (after the      per-user access rules → require_fake_tls → per-user concurrent connections
 *   handshake named the user)    (rate_limits)
 *   onHandshake / onClosed       feed the failed-handshake limiter; release the concurrency counts
 *
 * Blocks and enforce-mode access rules always refuse. Policy-governed checks follow their rule's mode: `off`
 * skips, `monitor` counts a would-refuse and lets the client through, `enforce` refuses.
 */
import type { ConnectionRef, EventBus, SecretMode } from '../../events.js';
import type { ConnectionGate, GateDecision, HandshakeOutcome, RefusalSource } from '../../proxy/hooks.js';
import type { AccessControl } from './acl.js';
import type { BlockManager } from './blocks.js';
import type { LimitsConfig, PolicyRuleName } from '../../config/index.js';
import type { GeoResolver } from './geo.js';
import { normaliseIp } from './ip.js';
import { ConcurrencyCounter, type IpRateLimits } from './limits.js';
import type { PolicyStore } from '../policy/store.js';

export interface GateReport {
  /** `refused`: the client was turned away; `would_refuse`: a monitor-mode rule or check matched. */
  kind: 'refused' | 'would_refuse';
  by: RefusalSource;
  reason: string;
  /** The policy rule or access rule behind it. */
  rule?: string;
  conn: ConnectionRef;
  ip: string;
  user?: string;
}

export interface GateDeps {
  blocks: BlockManager;
  acl: AccessControl;
  policies: PolicyStore;
  geo: () => GeoResolver;
  ipLimits: IpRateLimits;
  limits: () => LimitsConfig;
  report: (report: GateReport) => void;
}

export class SecurityGate implements ConnectionGate {
  readonly perIp = new ConcurrencyCounter();

  constructor(private readonly deps: GateDeps) {}

  private refuse(report: Omit<GateReport, 'kind'>): GateDecision {
    this.deps.report({ ...report, kind: 'refused' });
    return { allow: false, by: report.by, reason: report.reason, action: this.deps.limits().refuseAction };
  }

  /** Applies a policy rule's mode to a would-refuse fact: undefined = let it through. */
  private byPolicy(rule: PolicyRuleName, report: Omit<GateReport, 'kind' | 'rule'>): GateDecision | undefined {
    const mode = this.deps.policies.mode(rule);
    if (mode === 'enforce') return this.refuse({ ...report, rule });
    if (mode === 'monitor') this.deps.report({ ...report, rule, kind: 'would_refuse' });
    return undefined;
  }

  onAccept(conn: ConnectionRef): GateDecision | Promise<GateDecision> {
    const ip = normaliseIp(conn.remoteAddress) ?? conn.remoteAddress;
    const { blocks, acl, policies } = this.deps;
    const block = blocks.match(ip);
    if (block) return this.refuse({ by: 'block', reason: `blocked (${block.source}): ${block.reason}`, rule: block.cidr, conn, ip });

    const access = acl.checkAddress(ip);
    for (const rule of access.monitored) {
      this.deps.report({ kind: 'would_refuse', by: 'acl', reason: `access rule ${rule.name ?? rule.id} would ${rule.action}`, rule: rule.id, conn, ip });
    }
    if (!access.allow) return this.refuse({ by: 'acl', reason: access.rule ? `denied by access rule ${access.rule.name ?? access.rule.id}` : 'denied by the access default', rule: access.rule?.id, conn, ip });

    const geo = policies.rule('geo');
    if (geo.mode !== 'off' && (geo.allow.length > 0 || geo.deny.length > 0)) {
      const country = this.deps.geo().country(ip);
      const denied = country === undefined
        ? geo.unknown === 'deny'
        : geo.deny.includes(country) || (geo.allow.length > 0 && !geo.allow.includes(country));
      if (denied) {
        const decision = this.byPolicy('geo', { by: 'geo', reason: `country ${country ?? 'unknown'} not allowed`, conn, ip });
        if (decision) return decision;
      }
    }

    const maxPerIp = this.deps.limits().perIp.maxConnections;
    if (maxPerIp > 0 && this.perIp.count(ip) >= maxPerIp) {
      const decision = this.byPolicy('ip_connection_limits', { by: 'limit', reason: `more than ${maxPerIp} connections from one address`, conn, ip });
      if (decision) return decision;
    }
    this.perIp.acquire(conn.id, ip);

    if (policies.mode('rate_limits') === 'off') return { allow: true };
    return this.deps.ipLimits.onNewConnection(ip).then((hit) => {
      if (!hit) return { allow: true } as GateDecision;
      const reason = hit === 'new_connections' ? 'too many new connections per second' : 'too many failed handshakes per minute';
      const decision = this.byPolicy('rate_limits', { by: 'rate_limit', reason, conn, ip });
      if (decision) this.perIp.release(conn.id);
      return decision ?? { allow: true };
    });
  }

  onIdentified(conn: ConnectionRef, user: string, mode: SecretMode): GateDecision {
    const ip = normaliseIp(conn.remoteAddress) ?? conn.remoteAddress;
    const access = this.deps.acl.checkUser(ip, user);
    for (const rule of access.monitored) {
      this.deps.report({ kind: 'would_refuse', by: 'acl', reason: `access rule ${rule.name ?? rule.id} would ${rule.action} user ${user}`, rule: rule.id, conn, ip, user });
    }
    if (!access.allow) return this.refuse({ by: 'acl', reason: `user ${user} denied by access rule ${access.rule?.name ?? access.rule?.id}`, rule: access.rule?.id, conn, ip, user });

    if (mode !== 'ee') {
      const decision = this.byPolicy('require_fake_tls', { by: 'policy', reason: `${mode} secret refused: fake TLS required`, conn, ip, user });
      if (decision) return decision;
    }

    // The user's connection cap is the proxy's (one cap, resolved in src/config): nothing to count here.
    return { allow: true };
  }

  /** A fallback for a data plane that does not call onClosed: releases are idempotent per connection id. */
  attach(bus: EventBus): () => void {
    const closed = (conn: ConnectionRef) => this.onClosed(conn);
    bus.on('connection.closed', closed);
    bus.on('connection.refused', closed);
    return () => {
      bus.off('connection.closed', closed);
      bus.off('connection.refused', closed);
    };
  }

  private countFailure(conn: ConnectionRef): void {
    if (this.deps.policies.mode('rate_limits') === 'off') return;
    void this.deps.ipLimits.onFailedHandshake(normaliseIp(conn.remoteAddress) ?? conn.remoteAddress);
  }

  onHandshake(conn: ConnectionRef, outcome: HandshakeOutcome): void {
    if (!outcome.ok) this.countFailure(conn);
  }

  onClosed(conn: ConnectionRef): void {
    this.perIp.release(conn.id);
  }
}
