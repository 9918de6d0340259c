/**
 * Config schema fragments owned by the security layer. src/config/schema.ts composes them into the
 * top-level schema under the keys named here. Placeholder shapes until the security layer lands.
 */
import { z } from 'zod';

/** Top-level keys this module owns, each an optional table in the TOML file. */
export const securityConfigShape = {
  audit: z.object({ file: z.string().optional() }).passthrough().optional(),
  policy: z.record(z.string(), z.unknown()).optional(),
  access: z.unknown().optional(),
  limits: z.unknown().optional(),
  anomaly: z.unknown().optional(),
  blocklist: z.unknown().optional(),
  geo: z.unknown().optional(),
};
