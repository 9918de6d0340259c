/** [state]: where shared counters, blocks and the replay window live — this process, or Redis for a fleet. */
import { z } from 'zod';
import { DEFAULTS } from '../defaults.js';

export const stateSchema = z
  .strictObject({
    backend: z.enum(['memory', 'redis']).default(DEFAULTS.state.backend),
    redis_url: z.string().min(1).optional(),
    prefix: z.string().default(DEFAULTS.state.prefix),
    replay_on_outage: z.enum(['open', 'closed']).default(DEFAULTS.state.replayOnOutage),
  })
  .transform((s) => ({ backend: s.backend, redisUrl: s.redis_url, prefix: s.prefix, replayOnOutage: s.replay_on_outage }))
  .prefault({});
