/**
 * Blocks on proxy clients (src/security/admission/blocks.ts; they never apply to the admin plane):
 *   GET    /api/v1/blocks        READ_ONLY  → 200 {"blocks": [...]}
 *   POST   /api/v1/blocks        ADMIN      {"ip": "203.0.113.7" | CIDR, "reason": "…", "ttl": "10m"?} → 201
 *   DELETE /api/v1/blocks/:ip    ADMIN      (a CIDR URL-encoded: 203.0.113.0%2F24) → 204
 */
import { z } from 'zod';
import { AccessLevel } from '../../security/credentials/levels.js';
import type { AdminContext } from '../deps.js';
import { route, type Route } from '../router.js';
import { durationField } from './common.js';

const addBody = z.strictObject({
  ip: z.string().min(1).max(64),
  reason: z.string().min(1).max(500),
  ttl: durationField.optional(),
});

export function blockRoutes(ctx: AdminContext): Route[] {
  return [
    route({
      method: 'get',
      pattern: '/api/v1/blocks',
      level: AccessLevel.READ_ONLY,
      handler: () => ({ status: 200, body: { blocks: ctx.security.blocks.list() } }),
    }),
    route({
      method: 'post',
      pattern: '/api/v1/blocks',
      level: AccessLevel.ADMIN,
      body: addBody,
      // The block manager reports the change (block.added, with the principal and client address): one audit line.
      handler: ({ body, principal, request }) => {
        const entry = ctx.security.blocks.add(body.ip, body.reason, { ttlMs: body.ttl, source: 'api', actor: principal.actor, clientIp: request.ip });
        return { status: 201, body: entry };
      },
    }),
    route({
      method: 'del',
      pattern: '/api/v1/blocks/:ip',
      level: AccessLevel.ADMIN,
      handler: ({ request, principal }) => {
        ctx.security.blocks.remove(request.params[0]!, { actor: principal.actor, clientIp: request.ip });
        return { status: 204 };
      },
    }),
  ];
}
