/** The typed, frozen config the rest of mtshield reads (camelCase, numbers in ms and bytes). */
import type { SecretMode } from '../events.js';
import type { ParsedConfigFile } from './schema.js';
import type { securityConfigShape } from '../security/config.js';

/** The security layer's tables, as its schema fragment parsed them. */
export type SecurityTables = Pick<ParsedConfigFile, keyof typeof securityConfigShape>;

export interface ListenAddress {
  host: string;
  port: number;
}

export interface UserConfig {
  name: string;
  /** The secret as configured (hex or base64url; plain, dd… or ee…). Never logged. */
  secret: string;
  maxConnections?: number;
  maxIps?: number;
  quotaBytes?: number;
  /** Epoch ms after which the user is refused. */
  expiresAt?: number;
  level: 'standard' | 'none';
}

export interface ServerConfig {
  listen: ListenAddress[];
  publicHost?: string;
  handshakeTimeoutMs: number;
  idleTimeoutMs: number;
  connectTimeoutMs: number;
  drainTimeoutMs: number;
  preferIpv6: boolean;
  fastMode: boolean;
  defaultDc: number;
  maxConnections: number;
  maxBufferBytes: number;
  stateDir: string;
  allowModes: SecretMode[];
  /** V8 garbage-collector threading, applied once at start (src/util/gc-mode.ts). */
  gc: 'single-threaded' | 'parallel';
}

export interface MtShieldConfig {
  server: ServerConfig;
  users: UserConfig[];
  /** DC id (as text, "2" or "-2") → upstream addresses. */
  upstreamDc: Record<string, ListenAddress[]>;
  fronting: { host?: string; port: number; connectTimeoutMs: number };
  tls: { maxSkewMs: number; replayEntries: number };
  log: { level: string };
  admin: ParsedConfigFile['admin'];
  /** Security-layer tables as their schema parsed them (audit, policy, access, limits, …). */
  security: SecurityTables;
  /** Where the config came from (a file path, or "defaults"). */
  source: string;
}
