/** How CLI commands get their config: --config FILE, or the embedded defaults with a generated secret. */
import { defaultConfig } from './first-run.js';
import { loadConfigFile } from './load.js';
import { DEFAULTS } from './defaults.js';
import type { MtShieldConfig } from './types.js';

export interface ConfigFlags {
  config?: string;
  stateDir?: string;
}

export function configFromFlags(flags: ConfigFlags): { config: MtShieldConfig; generated: boolean } {
  if (flags.config) return { config: loadConfigFile(flags.config), generated: false };
  return defaultConfig(flags.stateDir ?? process.env['MTSHIELD_STATE_DIR'] ?? DEFAULTS.server.stateDir);
}
