/**
 * The typed, frozen config the rest of mtshield reads: camelCase, numbers in milliseconds (`…Ms`) and bytes
 * (`…Bytes`). Nothing outside src/config sees the file's snake_case (the policy document aside: it is also
 * the admin API's document and keeps the spelling docs/admin-api.md gives it).
 */
import type { ParsedConfigFile } from './schema/index.js';
import type { PolicyRules } from './schema/policy.js';
import type { HostPort } from '../vocabulary/index.js';

export type ListenAddress = HostPort;
export type ServerConfig = ParsedConfigFile['server'];
import type { UserConfig } from './schema/users.js';
export type { UserConfig };
export type UpstreamConfig = ParsedConfigFile['upstream'];
/** [relay]: this process as a relay exit (empty `listen`: not one). */
export type RelayExitConfig = ParsedConfigFile['relay'];
export type FrontingConfig = ParsedConfigFile['fronting'];
export type TlsConfig = ParsedConfigFile['tls'];
export type StateConfig = ParsedConfigFile['state'];
export type { AdminConfig } from './schema/admin.js';

/** The security layer's settings: [security] flattened in, the other security tables by name. */
export interface SecurityConfig {
  /** Lifetime of an admin session (before the strong_auth policy caps it). */
  sessionTtlMs: number;
  authFailuresPerMinute: number;
  /** Where admin tokens created at run time are kept; default <state_dir>/admin-tokens.json. */
  tokensFile: string | undefined;
  rotationLinksFile: string | undefined;
  audit: ParsedConfigFile['audit'];
  policy: PolicyRules;
  access: ParsedConfigFile['access'];
  limits: ParsedConfigFile['limits'];
  anomaly: ParsedConfigFile['anomaly'];
  blocklist: ParsedConfigFile['blocklist'];
  geo: ParsedConfigFile['geo'];
}

export interface MtShieldConfig {
  server: ServerConfig;
  users: UserConfig[];
  upstream: UpstreamConfig;
  relay: RelayExitConfig;
  fronting: FrontingConfig;
  tls: TlsConfig;
  log: ParsedConfigFile['log'];
  admin: ParsedConfigFile['admin'];
  security: SecurityConfig;
  state: StateConfig;
  /**
   * Host and port for proxy links, by the one rule of src/vocabulary/link-host.ts. Either may be unknown:
   * no host named (wildcard listen only), or port 0 (known once bound). Links need both.
   */
  link: { host: string | undefined; port: number | undefined };
  /** Where the config came from (a file path, or "defaults"). */
  source: string;
}
