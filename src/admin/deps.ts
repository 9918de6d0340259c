/**
 * What the admin plane uses from the other parts (docs/contracts.md), as narrow structural types over their
 * real classes: the security layer's stores (src/security/*), the proxy service (src/service.ts) and the
 * kernel registry (src/kernels/). The admin plane adds no security logic of its own: it routes, validates,
 * authorises and audits.
 */
import type { MtShieldConfig } from '../config/types.js';
import type { EventBus } from '../events.js';
import type { UserInfo, UserSpec, UserUsage } from '../proxy/users.js';
import type { AccessControl } from '../security/admission/acl.js';
import type { AuditEntry, AuditInput } from '../security/audit/log.js';
import type { AuthService } from '../security/credentials/auth.js';
import type { BlockEntry } from '../security/admission/blocks.js';
import type { PolicyStore } from '../security/policy/store.js';
import type { SessionManager } from '../security/credentials/sessions.js';
import type { TokenStore } from '../security/credentials/tokens.js';
import type { SecurityCountersLike } from './metrics.js';
import type { SecurityReport } from '../security/audit/report.js';

export interface SecurityPort {
  acl: Pick<AccessControl, 'list' | 'add' | 'remove'> & { readonly defaultDecision: 'allow' | 'deny' };
  blocks: {
    add(ipOrCidr: string, reason: string, options?: { ttlMs?: number; source?: 'api'; actor?: string }): BlockEntry;
    remove(ipOrCidr: string, actor?: string): BlockEntry;
    list(): BlockEntry[];
  };
  policies: Pick<PolicyStore, 'active' | 'history' | 'set' | 'enforce'>;
  auth: Pick<AuthService, 'authenticate' | 'createSession' | 'checkAdminListen'>;
  tokens: Pick<TokenStore, 'create' | 'revoke' | 'list'>;
  sessions: Pick<SessionManager, 'revoke' | 'revokeByToken' | 'list'>;
  activeThreats(): unknown[];
  counters(): SecurityCountersLike;
  audit: { append(input: AuditInput): AuditEntry; recent(n?: number): AuditEntry[]; readonly file?: string };
  auditSecurity(): Promise<SecurityReport>;
  rotateEncryptionKeys(options: Record<string, unknown>): unknown;
}

export interface UsersPort {
  list(): UserInfo[];
  get(name: string): UserInfo | undefined;
  upsert(spec: UserSpec): UserInfo;
  remove(name: string): boolean;
  rotate(name: string, newSecret: string, graceMs: number): UserInfo;
  usage(name: string): UserUsage | undefined;
}

export interface ProxyPort {
  stats(): object;
  isReady(): boolean;
  users: UsersPort;
  addresses?(): unknown;
}

export interface KernelsPort {
  status(): unknown;
  chosen(alg: string, size: number): string;
  swap(wasmPath: string, opts?: { pinnedSha256?: string[] }): Promise<unknown>;
}

/** Everything the route modules read. */
export interface AdminContext {
  config: Pick<MtShieldConfig, 'admin'> & Partial<Pick<MtShieldConfig, 'server' | 'users'>>;
  bus: EventBus;
  security: SecurityPort;
  proxy?: ProxyPort;
  kernels?: KernelsPort;
}
