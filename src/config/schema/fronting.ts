/** [fronting]: where clients that fail the handshake are spliced (docs/operations.md, "Fronting"). */
import { z } from 'zod';
import { DEFAULTS } from '../defaults.js';
import { duration } from './fields.js';

export const frontingSchema = z
  .strictObject({
    host: z.string().min(1).optional(),
    port: z.number().int().min(1).max(65535).default(DEFAULTS.fronting.port),
    connect_timeout: duration(DEFAULTS.fronting.connectTimeout),
    allow_private: z.boolean().default(DEFAULTS.fronting.allowPrivate),
  })
  .transform((f) => ({ host: f.host, port: f.port, connectTimeoutMs: f.connect_timeout, allowPrivate: f.allow_private }))
  .prefault({});
