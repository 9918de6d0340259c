/**
 * The security layer's view of the process config: what it reads from MtShieldConfig (src/config), with the
 * tables left out filled by their defaults, and the config's users as a read-only directory until the proxy's
 * UserDirectory is attached.
 */
import { parseSecret } from '../protocol/secrets.js';
import { securityConfigShape, type SecurityConfig } from './config.js';
import type { RotatableUsers } from './credentials/rotation.js';
import type { AdminTokenConfig } from './credentials/tokens.js';
import type { LayerConfig } from './layer.js';

/** What the layer reads from the config (MtShieldConfig satisfies it). */
export interface SecurityLayerConfigInput {
  security?: Partial<SecurityConfig>;
  admin?: { tokens?: readonly AdminTokenConfig[] };
  server?: { stateDir?: string; publicHost?: string; listen?: readonly { host: string; port: number }[] };
  users?: readonly { name: string; secret: string; maxConnections?: number; quotaBytes?: number; expiresAt?: number; level?: string }[];
  tls?: { replayEntries?: number };
}

type TableName = keyof typeof securityConfigShape;

/** Fills absent tables with their defaults; the tables present were parsed by the config schema already. */
export function layerConfigFrom(input: SecurityLayerConfigInput): LayerConfig {
  const given = (input.security ?? {}) as Partial<SecurityConfig>;
  const security = {} as Record<TableName, unknown>;
  for (const name of Object.keys(securityConfigShape) as TableName[]) {
    security[name] = given[name] ?? securityConfigShape[name].parse(undefined);
  }
  const sec = security as SecurityConfig;
  const listenPort = input.server?.listen?.[0]?.port;
  const host = sec.security.link_host ?? input.server?.publicHost;
  const port = sec.security.link_port ?? listenPort;
  return {
    security: sec,
    adminTokens: input.admin?.tokens ?? [],
    stateDir: input.server?.stateDir,
    link: host && port ? { host, port } : undefined,
    replayEntries: input.tls?.replayEntries,
  };
}

/** The config's users as a read-only directory (for the audit report) until the proxy's UserDirectory is attached. */
export function configUsers(input: SecurityLayerConfigInput): RotatableUsers | undefined {
  if (!input.users) return undefined;
  const list = input.users.map((u) => {
    let mode: 'plain' | 'dd' | 'ee' = 'plain';
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

