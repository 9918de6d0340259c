/**
 * Audit and keys:
 *   GET  /api/v1/audit?limit=N   READ_ONLY  → 200 {"entries": [...]} (newest last, N ≤ 1000, default 50)
 *   GET  /api/v1/audit/verify    READ_ONLY  → 200 the chain check of the audit file
 *   POST /api/v1/audit/run       READ_ONLY  → 200 the audit_security() report
 *   POST /api/v1/keys/rotate     SUPERUSER  {"users": [...]?, "grace": "1d"?} → 200 rotate_encryption_keys() result
 */
import { z } from 'zod';
import { AccessLevel } from '../../security/credentials/levels.js';
import type { AdminContext } from '../deps.js';
import { AdminRequestError } from '../http.js';
import { route, type Route } from '../router.js';
import { withAdminFindings } from '../findings.js';
import { durationField, emptyBody } from './common.js';

const rotateBody = z.strictObject({
  users: z.array(z.string().min(1).max(64)).max(10_000).optional(),
  grace: durationField.optional(),
});

function limitOf(query: URLSearchParams): number {
  const text = query.get('limit');
  if (text === null) return 50;
  if (!/^\d{1,4}$/.test(text) || Number(text) < 1 || Number(text) > 1000) {
    throw new AdminRequestError(400, 'ERR_ADMIN_INVALID', 'limit: an integer from 1 to 1000', 'limit');
  }
  return Number(text);
}

export function auditRoutes(ctx: AdminContext): Route[] {
  return [
    route({
      method: 'get',
      pattern: '/api/v1/audit',
      level: AccessLevel.READ_ONLY,
      handler: ({ request }) => ({ status: 200, body: { entries: ctx.security.audit.recent(limitOf(request.query)) } }),
    }),
    route({
      method: 'get',
      pattern: '/api/v1/audit/verify',
      level: AccessLevel.READ_ONLY,
      handler: async () => {
        const file = ctx.security.audit.file;
        if (!file) return { status: 200, body: { ok: true, file: null, message: 'no [audit] file configured; the chain lives in memory only' } };
        return { status: 200, body: { file, ...(await ctx.security.audit.verifyFile(file)) } };
      },
    }),
    route({
      method: 'post',
      pattern: '/api/v1/audit/run',
      level: AccessLevel.READ_ONLY,
      body: emptyBody,
      handler: async () => {
        return { status: 200, body: withAdminFindings(await ctx.security.auditSecurity(), ctx.config.admin) };
      },
    }),
    route({
      method: 'post',
      pattern: '/api/v1/keys/rotate',
      level: AccessLevel.SUPERUSER,
      body: rotateBody,
      // KeyRotation reports keys.rotated with the principal (names and modes, never secrets): one audit line.
      handler: ({ body, principal, request }) => ({
        status: 200,
        body: ctx.security.keys.rotate({ users: body.users, graceMs: body.grace, actor: principal.actor, clientIp: request.ip }),
      }),
    }),
  ];
}
