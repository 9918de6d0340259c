/**
 * What the admin plane uses from the other parts (docs/architecture.md), as narrow structural types over their
 * real classes: the security layer's admin port (src/security/ports.ts), the proxy service (src/service.ts) and
 * the kernel registry (src/kernels/). The admin plane adds no security logic of its own: it routes, validates,
 * authorises and audits what the services do not report themselves.
 */
import type { ProxyStats } from '../proxy/stats.js';
import type { MtShieldConfig } from '../config/types.js';
import type { EventBus } from '../events.js';
import type { UserInfo, UserSpec, UserUsage } from '../proxy/users.js';
import type { SecurityAdminPort } from '../security/ports.js';

export interface UsersPort {
  list(): UserInfo[];
  get(name: string): UserInfo | undefined;
  upsert(spec: UserSpec): UserInfo;
  remove(name: string): boolean;
  rotate(name: string, newSecret: string, graceMs: number): UserInfo;
  usage(name: string): UserUsage | undefined;
}

export interface ProxyPort {
  /** None on a group's primary (its workers serve the clients; /metrics sums theirs). */
  stats?(): ProxyStats;
  isReady(): boolean;
  users: UsersPort;
  addresses?(): unknown;
}

export interface KernelsPort {
  status(): unknown;
  chosen(alg: string, size: number): string;
  /** Only configured pins count (`expectSha256` narrows them); the path must resolve inside `root`. */
  swap(wasmPath: string, opts?: { expectSha256?: string[]; root?: string }): Promise<unknown>;
  /** Bytes through the registry's CBC ciphers per backend and direction (middle mode's link). */
  cbcBytes?(): { algorithm: string; backend: string; direction: string; bytes: number }[];
}

/** Everything the route modules read. */
export interface AdminContext {
  config: Pick<MtShieldConfig, 'admin'> & Partial<Pick<MtShieldConfig, 'server' | 'users' | 'link'>>;
  bus: EventBus;
  security: SecurityAdminPort;
  proxy?: ProxyPort;
  kernels?: KernelsPort;
}
