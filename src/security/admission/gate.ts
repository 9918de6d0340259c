/**
 * The proxy's ConnectionGate (src/proxy/hooks.ts), in the order the checks run:
 *
 *   onAccept (before any byte)   per-source concurrent connections (ip_connection_limits) → block list →
 *                                global access rules → geo → per-source new connections/s and failed
 *                                handshakes/min (rate_limits, the only asynchronous step; skipped when off)
 *   onIdentified (after the      per-user access rules → require_fake_tls → per-user concurrent connections
 *   handshake named the user)    (rate_limits)
 *   onHandshake / onClosed       feed the failed-handshake limiter; release the concurrency counts
 *
 * Blocks and enforce-mode access rules always refuse. Policy-governed checks follow their rule's mode: `off`
 * skips, `monitor` counts a would-refuse and lets the client through, `enforce` refuses.
 *
 * A source is an IPv4 address or an IPv6 /64 (sourceKey, src/proxy/source-throttle.ts): one host gets a whole
 * /64, so counting whole IPv6 addresses would let one host walk around every per-source limit. The concurrent
 * count comes first and covers every connection the proxy holds, refused-and-fronted ones included (a blocked
 * source spliced to the fronting site still holds a socket); a source over its cap is closed, not fronted,
 * since fronting it would hold the very slot the cap is there to free (docs/security.md, "Limits").
 */
import type { ConnectionRef, EventBus, SecretMode } from '../../events.js';
import type { ConnectionGate, GateDecision, HandshakeOutcome, RefusalSource } from '../../proxy/hooks.js';
import type { AccessControl } from './acl.js';
import type { BlockManager } from './blocks.js';
import type { LimitsConfig, PolicyRuleName } from '../../config/index.js';
import type { GeoResolver } from './geo.js';
import { normaliseIp } from './ip.js';
import { sourceKey } from '../../proxy/source-throttle.js';
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

/** Addresses remembered by clientOf: a client reconnects from the same address; emptied when full. */
const RECENT_CLIENTS_MAX = 4096;

export class SecurityGate implements ConnectionGate {
  readonly perIp = new ConcurrencyCounter();
  /**
   * A connection's address text → its canonical IP and source key. normaliseIp parses with regular expressions
   * and ipaddr.js, and onAccept, onIdentified and a failed handshake each needed it: several µs per connection
   * in a perf profile of the handshake benchmark, for the same few addresses again and again.
   */
  private readonly recentClients = new Map<string, { readonly ip: string; readonly source: string }>();

  constructor(private readonly deps: GateDeps) {}

  /** `action`: what the client gets; default the configured refuse_action. */
  private refuse(report: Omit<GateReport, 'kind'>, action = this.deps.limits().refuseAction): GateDecision {
    this.deps.report({ ...report, kind: 'refused' });
    return { allow: false, by: report.by, reason: report.reason, action };
  }

  /** Applies a policy rule's mode to a would-refuse fact: undefined = let it through. */
  private byPolicy(rule: PolicyRuleName, report: Omit<GateReport, 'kind' | 'rule'>, action?: 'close' | 'front'): GateDecision | undefined {
    const mode = this.deps.policies.mode(rule);
    if (mode === 'enforce') return this.refuse({ ...report, rule }, action);
    if (mode === 'monitor') this.deps.report({ ...report, rule, kind: 'would_refuse' });
    return undefined;
  }

  /** The connection's canonical IP and its source (an IPv4 address or an IPv6 /64: sourceKey). */
  private clientOf(conn: ConnectionRef): { readonly ip: string; readonly source: string } {
    const text = conn.remoteAddress;
    let client = this.recentClients.get(text);
    if (client === undefined) {
      const ip = normaliseIp(text) ?? text;
      client = { ip, source: sourceKey(ip) };
      if (this.recentClients.size >= RECENT_CLIENTS_MAX) this.recentClients.clear();
      this.recentClients.set(text, client);
    }
    return client;
  }

  onAccept(conn: ConnectionRef): GateDecision | Promise<GateDecision> {
    const { ip, source } = this.clientOf(conn);
    const { blocks, acl, policies } = this.deps;

    const maxPerSource = this.deps.limits().perIp.maxConnections;
    if (maxPerSource > 0 && this.perIp.count(source) >= maxPerSource) {
      const decision = this.byPolicy('ip_connection_limits', { by: 'limit', reason: `more than ${maxPerSource} connections from one source`, conn, ip }, 'close');
      if (decision) return decision;
    }
    // Held until the connection closes, whatever happens next (a refusal below may front it: it still holds a socket).
    this.perIp.acquire(conn.id, source);

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

    if (policies.mode('rate_limits') === 'off') return { allow: true };
    return this.deps.ipLimits.onNewConnection(source).then((hit) => {
      if (!hit) return { allow: true } as GateDecision;
      const reason = hit === 'new_connections' ? 'too many new connections per second' : 'too many failed handshakes per minute';
      return this.byPolicy('rate_limits', { by: 'rate_limit', reason, conn, ip }) ?? { allow: true };
    });
  }

  onIdentified(conn: ConnectionRef, user: string, mode: SecretMode): GateDecision {
    const { ip } = this.clientOf(conn);
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

  /**
   * A fallback for a data plane that does not call onClosed: releases are idempotent per connection id. Only a
   * close releases: a refused connection may be fronted and hold its socket on (its close follows).
   */
  attach(bus: EventBus): () => void {
    const closed = (conn: ConnectionRef) => this.onClosed(conn);
    bus.on('connection.closed', closed);
    return () => {
      bus.off('connection.closed', closed);
    };
  }

  private countFailure(conn: ConnectionRef): void {
    if (this.deps.policies.mode('rate_limits') === 'off') return;
    void this.deps.ipLimits.onFailedHandshake(this.clientOf(conn).source);
  }

  onHandshake(conn: ConnectionRef, outcome: HandshakeOutcome): void {
    if (!outcome.ok) this.countFailure(conn);
  }

  onClosed(conn: ConnectionRef): void {
    this.perIp.release(conn.id);
  }
}
