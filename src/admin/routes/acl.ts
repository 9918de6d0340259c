/**
 * Access rules for proxy clients (src/security/admission/acl.ts):
 *   GET    /api/v1/acl       READ_ONLY  → 200 {"default": "allow" | "deny", "rules": [...]}
 *   POST   /api/v1/acl       ADMIN      a rule ([[access.rules]] fields) + optional "position" → 201 with its id
 *   DELETE /api/v1/acl/:id   ADMIN      → 204
 */
import { z } from 'zod';
import { accessRuleSchema } from '../../config/index.js';
import { AccessLevel } from '../../security/credentials/levels.js';
import type { AdminContext } from '../deps.js';
import { route, type Route } from '../router.js';

const addBody = accessRuleSchema.extend({ position: z.number().int().nonnegative().optional() }).strict();

export function aclRoutes(ctx: AdminContext): Route[] {
  return [
    route({
      method: 'get',
      pattern: '/api/v1/acl',
      level: AccessLevel.READ_ONLY,
      handler: () => ({ status: 200, body: { default: ctx.security.acl.defaultDecision, rules: ctx.security.acl.list() } }),
    }),
    route({
      method: 'post',
      pattern: '/api/v1/acl',
      level: AccessLevel.ADMIN,
      body: addBody,
      // AccessControl reports the change (acl.rule_added, with the principal and client address): one audit line.
      handler: ({ body, principal, request }) => {
        const { position, ...rule } = body;
        return { status: 201, body: ctx.security.acl.add(rule, position, { actor: principal.actor, clientIp: request.ip }) };
      },
    }),
    route({
      method: 'del',
      pattern: '/api/v1/acl/:id',
      level: AccessLevel.ADMIN,
      handler: ({ request, principal }) => {
        ctx.security.acl.remove(request.params[0]!, { actor: principal.actor, clientIp: request.ip });
        return { status: 204 };
      },
    }),
  ];
}
