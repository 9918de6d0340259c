/** Config: TOML → zod → frozen typed config. */
export { loadConfigFile, parseConfigText, buildConfig } from './load.js';
export { defaultConfig, DEFAULT_USER } from './first-run.js';
export { ConfigError, type ConfigIssue } from './errors.js';
export { DEFAULTS, configSchema, type ConfigInput } from './schema.js';
export { parseDuration, parseSize, parseHostPort, formatHostPort } from './units.js';
export type { MtShieldConfig, UserConfig, ServerConfig, ListenAddress } from './types.js';
