/**
 * Config schema fragment owned by the admin plane: the [admin] table. Composed by src/config/schema.ts.
 * Placeholder shape until the admin plane lands.
 */
import { z } from 'zod';

export const adminConfigSchema = z
  .object({
    listen: z.string().default('127.0.0.1:9100'),
    tokens: z
      .array(
        z.object({
          name: z.string(),
          level: z.enum(['read_only', 'admin', 'superuser']),
          sha256: z.string().regex(/^[0-9a-f]{64}$/),
          expires: z.string().optional(),
        }),
      )
      .default([]),
  })
  .passthrough();
