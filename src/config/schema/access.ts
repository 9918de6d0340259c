/**
 * [access]: the access rules (allow / deny by address, user, days and hours, docs/security.md "Access
 * rules"). The admin API adds rules with this same schema (POST /api/v1/acl).
 */
import { z } from 'zod';
import { DEFAULTS } from '../defaults.js';

const DAY_NAMES = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'] as const;
export type DayName = (typeof DAY_NAMES)[number];

const hoursText = z
  .string()
  .regex(/^([01]\d|2[0-3]):[0-5]\d-([01]\d|2[0-4]):[0-5]\d$/, 'hours are "HH:MM-HH:MM" (24 h clock)');

const timeZone = z.string().refine((tz) => {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}, 'not an IANA time zone');

export const accessRuleSchema = z.strictObject({
  name: z.string().max(64).optional(),
  action: z.enum(['allow', 'deny']),
  /** One CIDR or address, or a list; omitted = any address. */
  cidr: z.union([z.string(), z.array(z.string()).min(1)]).optional(),
  /** Omitted = global rule (checked at accept); set = checked when that user is identified. */
  user: z.string().min(1).max(64).optional(),
  days: z.array(z.enum(DAY_NAMES)).min(1).optional(),
  hours: hoursText.optional(),
  tz: timeZone.default(DEFAULTS.access.tz),
  /** `monitor` counts and logs what the rule would do without doing it. */
  mode: z.enum(['enforce', 'monitor']).default(DEFAULTS.access.mode),
});
export type AccessRuleInput = z.input<typeof accessRuleSchema>;
export type AccessRuleConfig = z.output<typeof accessRuleSchema>;

export const accessSchema = z
  .strictObject({
    default: z.enum(['allow', 'deny']).default(DEFAULTS.access.default),
    rules: z.array(accessRuleSchema).default([]),
  })
  .prefault({});
