/**
 * The embedded default config for `mtshield run` without --config: listen on 0.0.0.0:8443 with one user
 * ("default") whose fake-TLS secret is generated on first start and kept in <state_dir>/secret.json, so the
 * links stay the same across restarts. The file is written 0600 and holds nothing else.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { formatSecret, generateSecret, parseSecret } from '../protocol/secrets.js';
import { ConfigError } from './errors.js';
import { buildConfig } from './load.js';
import { DEFAULTS } from './defaults.js';
import type { MtShieldConfig } from './types.js';

export const DEFAULT_USER = 'default';
const SECRET_FILE = 'secret.json';

export interface FirstRunResult {
  config: MtShieldConfig;
  /** True when the secret was generated now (first start). */
  generated: boolean;
}

export function defaultConfig(stateDir: string = DEFAULTS.server.stateDir): FirstRunResult {
  const file = join(stateDir, SECRET_FILE);
  let secret: string | undefined;
  let generated = false;
  try {
    const saved = JSON.parse(readFileSync(file, 'utf8')) as { secret?: unknown };
    if (typeof saved.secret === 'string') {
      parseSecret(saved.secret);
      secret = saved.secret;
    }
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') {
      throw new ConfigError('ERR_CONFIG_STATE', `state file ${file} is unreadable or invalid: ${(err as Error).message}`);
    }
  }
  if (secret === undefined) {
    secret = formatSecret(generateSecret('ee', DEFAULTS.generatedSecretDomain));
    try {
      mkdirSync(stateDir, { recursive: true, mode: 0o700 });
      writeFileSync(file, JSON.stringify({ secret, created: new Date().toISOString() }) + '\n', { mode: 0o600 });
    } catch (err) {
      throw new ConfigError('ERR_CONFIG_STATE', `cannot write state file ${file}: ${(err as Error).message}`);
    }
    generated = true;
  }
  const config = buildConfig(
    { server: { listen: [...DEFAULTS.server.listen], state_dir: stateDir }, users: { [DEFAULT_USER]: { secret } } },
    'defaults',
  );
  return { config, generated };
}
