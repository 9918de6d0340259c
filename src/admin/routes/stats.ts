/**
 * GET /api/v1/stats (READ_ONLY): proxy counters, security state and admin stream figures in one object. The
 * security figures come from the layer's counter snapshot, the one /metrics reads, so the two always agree.
 */
import { AccessLevel } from '../../security/credentials/levels.js';
import type { AdminContext } from '../deps.js';
import { route, type Route } from '../router.js';
import type { EventStream } from '../event-stream.js';

export function statsRoutes(ctx: AdminContext, events: () => EventStream | undefined): Route[] {
  return [
    route({
      method: 'get',
      pattern: '/api/v1/stats',
      level: AccessLevel.READ_ONLY,
      handler: () => {
        const stream = events()?.stats();
        const counts = ctx.security.counters();
        return {
          status: 200,
          body: {
            at: new Date().toISOString(),
            ready: ctx.proxy?.isReady() ?? false,
            proxy: ctx.proxy?.stats?.() ?? null,
            security: {
              blocks: ctx.security.blocks.list().length,
              accessRules: ctx.security.acl.list().length,
              activeThreats: counts.threatsActive,
              sessions: ctx.security.sessions.list().length,
              policyVersion: counts.policyVersion,
            },
            admin: { eventSubscribers: stream?.subscribers ?? 0, eventsDropped: stream?.dropped.reduce((a, b) => a + b, 0) ?? 0 },
          },
        };
      },
    }),
    route({
      method: 'get',
      pattern: '/api/v1/threats',
      level: AccessLevel.READ_ONLY,
      handler: () => ({ status: 200, body: { threats: ctx.security.threats.activeThreats() } }),
    }),
  ];
}
