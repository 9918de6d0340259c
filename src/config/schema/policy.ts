/**
 * [policy]: the security policy document: named rules, each with a mode — `off`, `monitor` (log and count what it
 * would do) or `enforce` — and the rule's own parameters. A rule the document does not mention is in
 * `monitor`, never `enforce` (rollout: monitor first, enforce when the operator says so) — except rate_limits and
 * ip_connection_limits, enforced unless the document says otherwise (their defaults are generous; a per-source
 * cap that only counts lets one source hold every slot).
 *
 *   require_fake_tls     refuse plain and dd secrets at identification
 *   strong_auth          admin token length / expiry limits, session lifetime, admin API loopback-or-TLS
 *   rate_limits          per-IP new connections/s and failed handshakes/min, per-user connections and bandwidth
 *   ip_connection_limits per-IP concurrent connections
 *   geo                  country allow / deny lists
 *   anomaly_actions      block the source of a finding at or above a severity, for a while
 *   key_rotation         rotate user secrets on a schedule and write the new links
 *
 * The policy is a document as well as a config table: the admin API stores and returns it in this same
 * spelling (docs/admin-api.md, "Policies"), so its keys stay as written; durations are resolved to ms here.
 */
import { z } from 'zod';
import { SEVERITIES } from '../../vocabulary/index.js';
import { DEFAULTS } from '../defaults.js';
import { duration } from './fields.js';

export const POLICY_MODES = ['off', 'monitor', 'enforce'] as const;
export type PolicyMode = (typeof POLICY_MODES)[number];
export { SEVERITIES };

const p = DEFAULTS.policy;
const mode = z.enum(POLICY_MODES).default(p.mode);
const ms = duration;
const country = z
  .string()
  .regex(/^[A-Za-z]{2}$/, 'countries are ISO 3166-1 alpha-2 codes such as "DE"')
  .transform((c) => c.toUpperCase());

export const policyRuleSchemas = {
  require_fake_tls: z.strictObject({ mode }),
  strong_auth: z.strictObject({
    mode,
    min_token_length: z.number().int().min(16).max(512).default(p.strongAuth.minTokenLength),
    max_token_ttl: ms(p.strongAuth.maxTokenTtl),
    max_session_ttl: ms(p.strongAuth.maxSessionTtl),
    admin_loopback_or_tls: z.boolean().default(p.strongAuth.adminLoopbackOrTls),
  }),
  rate_limits: z.strictObject({ mode: z.enum(POLICY_MODES).default(p.rateLimits.mode) }),
  ip_connection_limits: z.strictObject({ mode: z.enum(POLICY_MODES).default(p.ipConnectionLimits.mode) }),
  geo: z.strictObject({
    mode,
    allow: z.array(country).default([]),
    deny: z.array(country).default([]),
    /** What to do with an address the database does not know (private ranges, new allocations). */
    unknown: z.enum(['allow', 'deny']).default(p.geo.unknown),
  }),
  anomaly_actions: z.strictObject({
    mode,
    min_severity: z.enum(SEVERITIES).default(p.anomalyActions.minSeverity),
    block_ttl: ms(p.anomalyActions.blockTtl),
  }),
  key_rotation: z.strictObject({
    mode,
    interval: ms(p.keyRotation.interval),
    grace: ms(p.keyRotation.grace),
  }),
};

export type PolicyRuleName = keyof typeof policyRuleSchemas;
export const POLICY_RULE_NAMES = Object.keys(policyRuleSchemas) as PolicyRuleName[];

/** Every rule optional in the input; each absent one is filled with its defaults (mode `monitor`, but see above). */
export const policyRulesInputSchema = z.strictObject({
  require_fake_tls: policyRuleSchemas.require_fake_tls.prefault({}),
  strong_auth: policyRuleSchemas.strong_auth.prefault({}),
  rate_limits: policyRuleSchemas.rate_limits.prefault({}),
  ip_connection_limits: policyRuleSchemas.ip_connection_limits.prefault({}),
  geo: policyRuleSchemas.geo.prefault({}),
  anomaly_actions: policyRuleSchemas.anomaly_actions.prefault({}),
  key_rotation: policyRuleSchemas.key_rotation.prefault({}),
});

export type PolicyRules = z.output<typeof policyRulesInputSchema>;
export type PolicyRulesInput = z.input<typeof policyRulesInputSchema>;
