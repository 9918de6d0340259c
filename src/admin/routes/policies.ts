/**
 * The security policy (src/security/policy/store.ts), versioned:
 *   GET  /api/v1/policies          READ_ONLY  → 200 {"active": {version, document, rules, …}, "versions": [...]}
 *   PUT  /api/v1/policies          SUPERUSER  {"rules": {rule: {mode, …}}, "enforce": true?} → 200 the new version
 *   POST /api/v1/policies/enforce  SUPERUSER  {"version": N?} (default: the newest) → 200 the active version
 */
import { z } from 'zod';
import { AccessLevel } from '../../security/credentials/levels.js';
import type { AdminContext } from '../deps.js';
import { route, type Route } from '../router.js';

const setBody = z.strictObject({
  rules: z.record(z.string(), z.unknown()),
  enforce: z.boolean().optional(),
});
const enforceBody = z.strictObject({ version: z.number().int().positive().optional() });

export function policyRoutes(ctx: AdminContext): Route[] {
  const policies = ctx.security.policies;
  return [
    route({
      method: 'get',
      pattern: '/api/v1/policies',
      level: AccessLevel.READ_ONLY,
      handler: () => ({
        status: 200,
        body: {
          active: policies.active(),
          versions: policies.history().map(({ version, createdAt, actor }) => ({ version, createdAt, actor })),
        },
      }),
    }),
    route({
      method: 'put',
      pattern: '/api/v1/policies',
      level: AccessLevel.SUPERUSER,
      body: setBody,
      // The policy store reports policy.set (and policy.enforced) with the principal: one audit line each.
      handler: ({ body, principal, request }) => ({
        status: 200,
        body: policies.set(body.rules, { actor: principal.actor, clientIp: request.ip, enforce: body.enforce }),
      }),
    }),
    route({
      method: 'post',
      pattern: '/api/v1/policies/enforce',
      level: AccessLevel.SUPERUSER,
      body: enforceBody,
      handler: ({ body, principal, request }) => ({ status: 200, body: policies.enforce(body.version, { actor: principal.actor, clientIp: request.ip }) }),
    }),
  ];
}
