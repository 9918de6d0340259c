/**
 * Config loading: TOML text (smol-toml) → schema (zod, ./schema/) → a deeply frozen MtShieldConfig (./types.ts).
 * Every failure is a ConfigError naming the key path and the problem; nothing here logs.
 */
import { readFileSync } from 'node:fs';
import { parse as parseToml, TomlError } from 'smol-toml';
import type { z } from 'zod';
import { chooseLinkHost, chooseLinkPort, type LinkHostSources } from '../vocabulary/index.js';
import { configSchema, userConnectionCap, type ConfigInput, type ParsedConfigFile } from './schema/index.js';
import { ConfigError, type ConfigIssue } from './errors.js';
import type { MtShieldConfig } from './types.js';

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
  return deepFreeze(assemble(result.data, source));
}

function toIssues(error: z.ZodError): ConfigIssue[] {
  return error.issues.map((issue) => {
    const path = issue.path.map(String).join('.');
    let message = issue.message;
    if (issue.code === 'unrecognized_keys') message = `unknown key(s) ${issue.keys.map((k) => `"${k}"`).join(', ')}`;
    // A bad table name (e.g. a user name) carries the rule it broke one level down.
    if (issue.code === 'invalid_key') message = `invalid name: ${issue.issues.map((inner) => inner.message).join('; ')}`;
    return { path, message };
  });
}

function assemble(file: ParsedConfigFile, source: string): MtShieldConfig {
  const { security, audit, policy, access, limits, anomaly, blocklist, geo } = file;
  return {
    server: file.server,
    // One per-user connection cap: the limits tables are defaults for users that set none of their own.
    users: file.users.map((user) => ({ ...user, maxConnections: userConnectionCap(limits, user.name, user.maxConnections) })),
    upstream: file.upstream,
    relay: file.relay,
    fronting: file.fronting,
    tls: file.tls,
    log: file.log,
    admin: file.admin,
    security: {
      sessionTtlMs: security.session_ttl,
      authFailuresPerMinute: security.auth_failures_per_minute,
      tokensFile: security.tokens_file,
      rotationLinksFile: security.rotation_links_file,
      audit,
      policy,
      access,
      limits,
      anomaly,
      blocklist,
      geo,
    },
    state: file.state,
    link: linkOf({ linkHost: security.link_host, linkPort: security.link_port, publicHost: file.server.publicHost, listen: file.server.listen }),
    source,
  };
}

function linkOf(sources: LinkHostSources): MtShieldConfig['link'] {
  return { host: chooseLinkHost(sources), port: chooseLinkPort(sources) };
}

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const child of Object.values(value as object)) deepFreeze(child);
  }
  return value;
}

const SECURITY_TABLES = ['security', 'audit', 'policy', 'access', 'limits', 'anomaly', 'blocklist', 'geo'] as const;

/** Validates only the security tables of a raw (TOML-decoded) object; other keys are ignored. */
export function parseSecurityConfig(raw: unknown, source = 'object'): MtShieldConfig['security'] {
  const tables: Record<string, unknown> = {};
  const given = (raw ?? {}) as Record<string, unknown>;
  for (const name of SECURITY_TABLES) if (given[name] !== undefined) tables[name] = given[name];
  return buildConfig(tables, source).security;
}
