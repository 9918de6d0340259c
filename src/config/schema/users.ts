/**
 * [users.NAME]: each user's secret and own limits (docs/operations.md, "Users and limits"). The name rule
 * is the vocabulary's (src/vocabulary/user-name.ts), the same as the proxy's and the admin API's.
 */
import { z } from 'zod';
import { USER_NAME_PATTERN, USER_NAME_RULE } from '../../vocabulary/index.js';
import { DEFAULTS } from '../defaults.js';
import { dateTime, secretText, sizeValue } from './fields.js';
import { adTagText } from './upstream.js';

/** A user as the rest of mtshield sees it. */
export interface UserConfig {
  name: string;
  /** The secret as configured (hex or base64url; plain, dd… or ee…). Never logged. */
  secret: string;
  maxConnections?: number;
  maxIps?: number;
  quotaBytes?: number;
  /** Epoch ms after which the user is refused. */
  expiresAt?: number;
  level: 'standard' | 'none';
  /** This user's ad tag (32 lower-case hex digits; middle mode only), overriding [upstream] ad_tag. */
  adTag?: string;
}

export const userSchema = z.strictObject({
  secret: secretText,
  /** The user's own cap on simultaneous connections, enforced by the proxy whatever the policies say. */
  max_connections: z.number().int().positive().optional(),
  max_ips: z.number().int().positive().optional(),
  quota: sizeValue.optional(),
  expires: dateTime.optional(),
  level: z.enum(['standard', 'none']).default(DEFAULTS.user.level),
  ad_tag: adTagText.optional(),
});

export const usersSchema = z
  .record(z.string().regex(USER_NAME_PATTERN, USER_NAME_RULE), userSchema)
  .default({})
  .transform((users) =>
    Object.entries(users).map(([name, u]): UserConfig => ({
      name,
      secret: u.secret,
      maxConnections: u.max_connections,
      maxIps: u.max_ips,
      quotaBytes: u.quota,
      expiresAt: u.expires,
      level: u.level,
      ...(u.ad_tag !== undefined ? { adTag: u.ad_tag } : {}),
    })),
  );
