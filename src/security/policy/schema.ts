/**
 * The security policy document: named rules, each with a mode — `off`, `monitor` (log and count what it
 * would do) or `enforce` — and the rule's own parameters. A rule the document does not mention is in
 * `monitor`, never `enforce` (rollout: monitor first, enforce when the operator says so).
 *
 *   require_fake_tls     refuse plain and dd secrets at identification
 *   strong_auth          admin token length / expiry limits, session lifetime, admin API loopback-or-TLS
 *   rate_limits          per-IP new connections/s and failed handshakes/min, per-user connections and bandwidth
 *   ip_connection_limits per-IP concurrent connections
 *   geo                  country allow / deny lists
 *   anomaly_actions      block the source of a finding at or above a severity, for a while
 *   key_rotation         rotate user secrets on a schedule and write the new links
 */
import { z } from 'zod';
import { parseDuration } from '../../config/units.js';

export const POLICY_MODES = ['off', 'monitor', 'enforce'] as const;
export type PolicyMode = (typeof POLICY_MODES)[number];
export const SEVERITIES = ['info', 'low', 'medium', 'high', 'critical'] as const;

const mode = z.enum(POLICY_MODES).default('monitor');
const ms = (fallback: string) =>
  z
    .union([z.string(), z.number()])
    .default(fallback)
    .transform((value, ctx) => {
      const out = parseDuration(value);
      if (out === undefined) {
        ctx.addIssue({ code: 'custom', message: `"${value}" is not a duration (use e.g. "10m", "1h", "30d")` });
        return z.NEVER;
      }
      return out;
    });
const country = z
  .string()
  .regex(/^[A-Za-z]{2}$/, 'countries are ISO 3166-1 alpha-2 codes such as "DE"')
  .transform((c) => c.toUpperCase());

export const policyRuleSchemas = {
  require_fake_tls: z.strictObject({ mode }),
  strong_auth: z.strictObject({
    mode,
    min_token_length: z.number().int().min(16).max(512).default(40),
    max_token_ttl: ms('90d'),
    max_session_ttl: ms('1h'),
    admin_loopback_or_tls: z.boolean().default(true),
  }),
  rate_limits: z.strictObject({ mode }),
  ip_connection_limits: z.strictObject({ mode }),
  geo: z.strictObject({
    mode,
    allow: z.array(country).default([]),
    deny: z.array(country).default([]),
    /** What to do with an address the database does not know (private ranges, new allocations). */
    unknown: z.enum(['allow', 'deny']).default('allow'),
  }),
  anomaly_actions: z.strictObject({
    mode,
    min_severity: z.enum(SEVERITIES).default('high'),
    block_ttl: ms('1h'),
  }),
  key_rotation: z.strictObject({
    mode,
    interval: ms('30d'),
    grace: ms('1d'),
  }),
};

export type PolicyRuleName = keyof typeof policyRuleSchemas;
export const POLICY_RULE_NAMES = Object.keys(policyRuleSchemas) as PolicyRuleName[];

/** Every rule optional in the input; each absent one is filled with its defaults (mode `monitor`). */
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
