/**
 * Config loading: TOML text (smol-toml) → schema (zod) → a deeply frozen MtShieldConfig.
 * Every failure is a ConfigError naming the key path and the problem; nothing here logs.
 */
import { readFileSync } from 'node:fs';
import { parse as parseToml, TomlError } from 'smol-toml';
import type { z } from 'zod';
import { configSchema, type ConfigInput, type ParsedConfigFile } from './schema.js';
import { ConfigError, type ConfigIssue } from './errors.js';
import { parseHostPort } from './units.js';
import type { MtShieldConfig, SecurityTables } from './types.js';
import { securityConfigShape } from '../security/config.js';

/** Parses a TOML config file. */
export function loadConfigFile(path: string): MtShieldConfig {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new ConfigError('ERR_CONFIG_READ', `cannot read config file ${path}: ${(err as Error).message}`, [], { cause: err });
  }
  return parseConfigText(text, path);
}

/** Parses TOML text. `source` names it in errors. */
export function parseConfigText(text: string, source = 'config'): MtShieldConfig {
  let raw: unknown;
  try {
    raw = parseToml(text);
  } catch (err) {
    const where = err instanceof TomlError ? ` (line ${err.line}, column ${err.column})` : '';
    const first = (err as Error).message.split('\n')[0];
    throw new ConfigError('ERR_CONFIG_SYNTAX', `${source}: not valid TOML${where}: ${first}`, [], { cause: err });
  }
  return buildConfig(raw as ConfigInput, source);
}

/** Validates a plain object shaped like the TOML file (tests and the admin API use this). */
export function buildConfig(input: ConfigInput | Record<string, unknown>, source = 'object'): MtShieldConfig {
  const result = configSchema.safeParse(input);
  if (!result.success) {
    const issues = toIssues(result.error);
    const lines = issues.map((issue) => `  ${issue.path || '(top level)'}: ${issue.message}`);
    throw new ConfigError('ERR_CONFIG_INVALID', `${source}: invalid config\n${lines.join('\n')}`, issues);
  }
  return deepFreeze(normalise(result.data, source));
}

function toIssues(error: z.ZodError): ConfigIssue[] {
  return error.issues.map((issue) => {
    const path = issue.path.map(String).join('.');
    let message = issue.message;
    if (issue.code === 'unrecognized_keys') message = `unknown key(s) ${issue.keys.map((k) => `"${k}"`).join(', ')}`;
    return { path, message };
  });
}

function normalise(file: ParsedConfigFile, source: string): MtShieldConfig {
  const s = file.server;
  const toAddress = (text: string) => parseHostPort(text)!;
  const upstreamDc: MtShieldConfig['upstreamDc'] = {};
  for (const [dc, addresses] of Object.entries(file.upstream.dc)) upstreamDc[String(Number(dc))] = addresses.map(toAddress);
  return {
    server: {
      listen: s.listen.map(toAddress),
      publicHost: s.public_host,
      handshakeTimeoutMs: s.handshake_timeout,
      idleTimeoutMs: s.idle_timeout,
      connectTimeoutMs: s.connect_timeout,
      drainTimeoutMs: s.drain_timeout,
      preferIpv6: s.prefer_ipv6,
      fastMode: s.fast_mode,
      defaultDc: s.default_dc,
      maxConnections: s.max_connections,
      maxBufferBytes: s.max_buffer,
      stateDir: s.state_dir,
      allowModes: [...new Set(s.allow_modes)],
      gc: s.gc,
    },
    users: Object.entries(file.users).map(([name, u]) => ({
      name,
      secret: u.secret,
      maxConnections: u.max_connections,
      maxIps: u.max_ips,
      quotaBytes: u.quota,
      expiresAt: u.expires,
      level: u.level,
    })),
    upstreamDc,
    fronting: { host: file.fronting.host, port: file.fronting.port, connectTimeoutMs: file.fronting.connect_timeout },
    tls: { maxSkewMs: file.tls.max_skew, replayEntries: file.tls.replay_entries },
    log: { level: file.log.level },
    admin: file.admin,
    security: pickSecurityTables(file),
    source,
  };
}

function pickSecurityTables(file: ParsedConfigFile): SecurityTables {
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(securityConfigShape)) out[key] = (file as Record<string, unknown>)[key];
  return out as SecurityTables;
}

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const child of Object.values(value as object)) deepFreeze(child);
  }
  return value;
}
