/**
 * The whole config schema: every TOML table the file may hold, composed from one file per concern. Each
 * table parses to typed camelCase values with units resolved (`…Ms` milliseconds, `…Bytes` bytes); the key
 * paths in errors are the file's own (snake_case). Defaults: ../defaults.ts, the only place they are written.
 *
 *   [server] [tls] [log]        ./server.ts       [users.NAME]          ./users.ts
 *   [upstream]                  ./upstream.ts     [fronting]            ./fronting.ts
 *   [admin]                     ./admin.ts        [state]               ./state.ts
 *   [security] [audit] [anomaly] [blocklist] [geo]                      ./security.ts
 *   [access]                    ./access.ts       [limits]              ./limits.ts
 *   [policy]                    ./policy.ts       [relay] (exit)        ./relay.ts
 */
import { z } from 'zod';
import { accessSchema } from './access.js';
import { adminSchema } from './admin.js';
import { frontingSchema } from './fronting.js';
import { limitsSchema } from './limits.js';
import { policyRulesInputSchema } from './policy.js';
import { anomalySchema, auditSchema, blocklistSchema, geoSchema, securityTableSchema } from './security.js';
import { logSchema, serverSchema, tlsSchema } from './server.js';
import { stateSchema } from './state.js';
import { relaySchema } from './relay.js';
import { AD_TAG_NEEDS_MIDDLE, upstreamSchema } from './upstream.js';
import { usersSchema } from './users.js';

export const configSchema = z.strictObject({
  server: serverSchema,
  users: usersSchema,
  upstream: upstreamSchema,
  relay: relaySchema,
  fronting: frontingSchema,
  tls: tlsSchema,
  log: logSchema,
  admin: adminSchema,
  security: securityTableSchema,
  audit: auditSchema,
  policy: policyRulesInputSchema.prefault({}),
  access: accessSchema,
  limits: limitsSchema,
  anomaly: anomalySchema,
  blocklist: blocklistSchema,
  geo: geoSchema,
  state: stateSchema,
}).superRefine((config, ctx) => {
  // a user's ad tag is checked against the mode here: the users table cannot see [upstream]
  // (this runs even when a table failed to parse: then there is nothing to compare)
  if (config.upstream?.mode !== 'direct' || !Array.isArray(config.users)) return;
  for (const user of config.users) {
    if (user.adTag !== undefined) ctx.addIssue({ code: 'custom', path: ['users', user.name, 'ad_tag'], message: AD_TAG_NEEDS_MIDDLE });
  }
});

/** The config as the file spells it (before defaults and units). */
export type ConfigInput = z.input<typeof configSchema>;
/** Every table parsed: defaults applied, units resolved, camelCase (the policy document keeps its spelling). */
export type ParsedConfigFile = z.output<typeof configSchema>;

export { accessRuleSchema, type AccessRuleConfig, type AccessRuleInput, type DayName } from './access.js';
export { adminTokenLevels, adminTokenSchema, defaultAdminConfig, type AdminConfig, type AdminConfigInput, type AdminTokenConfig, type AdminTokenLevel } from './admin.js';
export { userConnectionCap, type LimitsConfig, type UserLimitsConfig } from './limits.js';
export { type AnomalyConfig } from './security.js';
export { UPSTREAM_MODES, type UpstreamMode } from './upstream.js';
