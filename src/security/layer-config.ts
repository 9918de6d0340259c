/**
 * The security layer's view of the process config: what it reads from MtShieldConfig (src/config, which owns
 * the schema, the defaults and the units), and the config's users as a read-only directory until the proxy's
 * UserDirectory is attached.
 */
import { parseSecret } from '../protocol/secrets.js';
import type { SecretMode } from '../vocabulary/index.js';
import type { SecurityConfig, StateConfig } from '../config/index.js';
import type { RotatableUsers } from './credentials/rotation.js';
import type { AdminTokenConfig } from './credentials/tokens.js';
import type { LayerConfig } from './layer.js';

/** What the layer reads from the config (MtShieldConfig satisfies it). */
export interface SecurityLayerConfigInput {
  security: SecurityConfig;
  state: StateConfig;
  admin: { tokens: readonly AdminTokenConfig[] };
  server: { stateDir: string };
  /** Where rotated users' links point (src/vocabulary/link-host.ts); without both, rotation answers without links. */
  link: { host: string | undefined; port: number | undefined };
  users?: readonly { name: string; secret: string; maxConnections?: number; quotaBytes?: number; expiresAt?: number; level?: string }[];
  tls: { replayEntries?: number; replayMemoryBytes: number };
}

/** The layer's settings from the typed config (src/config resolved every default and unit). */
export function layerConfigFrom(input: SecurityLayerConfigInput): LayerConfig {
  return {
    security: input.security,
    state: input.state,
    adminTokens: input.admin.tokens,
    stateDir: input.server.stateDir,
    link: input.link.host && input.link.port ? { host: input.link.host, port: input.link.port } : undefined,
    replayEntries: input.tls.replayEntries,
    replayMemoryBytes: input.tls.replayMemoryBytes,
  };
}

/** The config's users as a read-only directory (for the audit report) until the proxy's UserDirectory is attached. */
export function configUsers(input: SecurityLayerConfigInput): RotatableUsers | undefined {
  if (!input.users) return undefined;
  const list = input.users.map((u) => {
    let mode: SecretMode = 'plain';
    let domain: string | undefined;
    try {
      const parsed = parseSecret(u.secret);
      mode = parsed.mode;
      domain = parsed.domain;
    } catch {
      // the config schema already refused bad secrets
    }
    return { name: u.name, mode, domain, expiresAt: u.expiresAt, maxConnections: u.maxConnections, quotaBytes: u.quotaBytes, level: u.level };
  });
  return {
    list: () => list,
    rotate: () => {
      throw new Error('rotation needs the proxy UserDirectory: call security.attach({ users: service.server.users })');
    },
  };
}

