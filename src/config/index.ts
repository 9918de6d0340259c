/** Config: TOML → zod → frozen typed config. The only module that knows the file's spelling. */
export { loadConfigFile, parseConfigText, buildConfig, parseSecurityConfig } from './load.js';
export { defaultConfig, DEFAULT_USER } from './first-run.js';
export { ConfigError, type ConfigIssue } from './errors.js';
export { DEFAULTS } from './defaults.js';
export { configSchema, type ConfigInput } from './schema/index.js';
export { toBytes, toMs } from './schema/fields.js';
export {
  accessRuleSchema,
  adminTokenLevels,
  adminTokenSchema,
  defaultAdminConfig,
  userConnectionCap,
  UPSTREAM_MODES,
  type AccessRuleConfig,
  type AccessRuleInput,
  type AdminConfigInput,
  type AdminTokenConfig,
  type AdminTokenLevel,
  type AnomalyConfig,
  type DayName,
  type LimitsConfig,
  type UpstreamMode,
  type UserLimitsConfig,
} from './schema/index.js';
export { POLICY_MODES, POLICY_RULE_NAMES, policyRuleSchemas, policyRulesInputSchema, type PolicyMode, type PolicyRuleName, type PolicyRules, type PolicyRulesInput } from './schema/policy.js';
export { parseDuration, parseSize, parseHostPort, formatHostPort } from '../vocabulary/index.js';
export type { MtShieldConfig, UserConfig, ServerConfig, ListenAddress, AdminConfig, SecurityConfig, StateConfig, UpstreamConfig } from './types.js';
