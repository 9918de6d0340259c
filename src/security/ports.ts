/**
 * The two ways into the security layer (docs/architecture.md, "Seams"): what the data plane gets and what the
 * admin plane gets. Both are typed views of the services themselves — nothing is wrapped or copied — so a
 * change made through either is the same change, and each service reports it (one event, one audit line).
 *
 *   SecurityDataPort   the proxy's seams (src/proxy/hooks.ts, src/protocol/replay.ts): gate, shaper, replay cache
 *   SecurityAdminPort  the typed services the admin plane, the CLI and the app use
 */
import type { BandwidthShaper, ConnectionGate } from '../proxy/hooks.js';
import type { ReplayCache } from '../protocol/replay.js';
import type { AccessControl } from './admission/acl.js';
import type { AnomalyDetector } from './admission/anomaly/detector.js';
import type { BlockManager } from './admission/blocks.js';
import type { ShaperCounters } from './admission/bandwidth.js';
import type { AuditLog } from './audit/log.js';
import type { SecurityReport } from './audit/report.js';
import type { SecurityCounters } from './audit/reporter.js';
import type { AuthService } from './credentials/auth.js';
import type { KeyRotation } from './credentials/key-rotation.js';
import type { SessionManager } from './credentials/sessions.js';
import type { TokenStore } from './credentials/tokens.js';
import type { PolicyStore } from './policy/store.js';

export interface SecurityDataPort {
  readonly gate: ConnectionGate;
  readonly shaper: BandwidthShaper;
  readonly replayCache: ReplayCache;
}

/** The security counters with the live figures next to them: one snapshot for /metrics and /api/v1/stats. */
export interface SecurityCountersSnapshot extends SecurityCounters {
  blocksActive: number;
  threatsActive: number;
  policyVersion: number;
  connectionsTracked: number;
  shaper: ShaperCounters;
}

export interface SecurityAdminPort {
  /** Access rules: list() · add(rule, position?, by?) · remove(id, by?) · defaultDecision. */
  readonly acl: Pick<AccessControl, 'list' | 'add' | 'remove' | 'defaultDecision'>;
  /** block_ip_address: add(ip | cidr, reason, { ttl?, ttlMs?, actor?, clientIp? }) · remove(ip, by?) · list() · match(ip). */
  readonly blocks: Pick<BlockManager, 'add' | 'remove' | 'list' | 'match'>;
  readonly policies: Pick<PolicyStore, 'active' | 'history' | 'set' | 'enforce' | 'mode' | 'rule'>;
  readonly auth: Pick<AuthService, 'authenticate' | 'createSession' | 'checkAdminListen' | 'isLive'>;
  readonly tokens: Pick<TokenStore, 'create' | 'revoke' | 'list' | 'verify'>;
  readonly sessions: Pick<SessionManager, 'verify' | 'revoke' | 'revokeByToken' | 'list'>;
  /** The anomaly detector: activeThreats() · tick() · topFailingSources(n?). */
  readonly threats: Pick<AnomalyDetector, 'activeThreats' | 'tick' | 'topFailingSources'>;
  /** The hash-chained audit log: append(input) · recent(n?) · verifyFile(path?) · currentHead() · file. */
  readonly audit: Pick<AuditLog, 'append' | 'recent' | 'verifyFile' | 'currentHead' | 'file'>;
  /** rotate_encryption_keys(): rotate(request) · runSchedule(). */
  readonly keys: Pick<KeyRotation, 'rotate' | 'runSchedule'>;
  /** audit_security(): the report over the current config, users, tokens, policies and kernels. */
  auditSecurity(): Promise<SecurityReport>;
  counters(): SecurityCountersSnapshot;
}
