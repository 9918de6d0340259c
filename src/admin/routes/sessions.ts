/**
 * Sessions and tokens (src/security/credentials/sessions.ts, tokens.ts):
 *   POST   /api/v1/sessions          READ_ONLY (with a token)  {"ttl": "10m"?} → 201 {"session": "mss_…", …}
 *   GET    /api/v1/sessions          ADMIN      → 200 handles, names, levels, expiry (never ids)
 *   DELETE /api/v1/sessions/:handle  READ_ONLY for its own session ("current" = the one presented), ADMIN for others → 204
 *   GET    /api/v1/tokens            ADMIN      → 200 names, levels, expiry, revoked (never hashes)
 *   POST   /api/v1/tokens            SUPERUSER  {"name", "level", "expires"?} → 201 with the token, shown once
 *   DELETE /api/v1/tokens/:name      SUPERUSER  revokes the token and its sessions → 204
 */
import { z } from 'zod';
import { AccessLevel, levelName } from '../../security/credentials/levels.js';
import type { AdminContext } from '../deps.js';
import { AdminRequestError } from '../http.js';
import { route, type Route } from '../router.js';
import { dateTimeField, durationField, notFound } from './common.js';

const sessionBody = z.strictObject({ ttl: durationField.optional() });
const tokenBody = z.strictObject({
  name: z.string().regex(/^[A-Za-z0-9_.@-]{1,64}$/, 'token names are 1–64 of A-Z a-z 0-9 _ . @ -'),
  level: z.enum(['read_only', 'admin', 'superuser']),
  expires: dateTimeField.optional(),
});

export function sessionRoutes(ctx: AdminContext): Route[] {
  const { sessions, tokens } = ctx.security;
  return [
    route({
      method: 'post',
      pattern: '/api/v1/sessions',
      level: AccessLevel.READ_ONLY,
      body: sessionBody,
      handler: async ({ body, principal, request }) => {
        if (principal.via !== 'token') throw new AdminRequestError(403, 'ERR_ADMIN_FORBIDDEN', 'a session is created from a token, not from another session');
        // The lifetime is capped by [security] session_ttl, the strong_auth policy and the token's own expiry.
        const { id, session } = await ctx.security.auth.createSession(principal.credential, request.ip, body.ttl);
        const ttl = session.expiresAt - session.createdAt;
        return {
          status: 201,
          body: { session: id, handle: session.handle, level: levelName(session.level), expiresAt: new Date(session.expiresAt).toISOString() },
          audit: { type: 'session.created', message: `session ${session.handle} created`, details: { handle: session.handle, ttlMs: ttl } },
        };
      },
    }),
    route({
      method: 'get',
      pattern: '/api/v1/sessions',
      level: AccessLevel.ADMIN,
      handler: () => ({
        status: 200,
        // Never the owning token's hash: listings show names, like GET /api/v1/tokens.
        body: { sessions: sessions.list().map(({ tokenSha256: _hash, ...s }) => ({ ...s, level: levelName(s.level) })) },
      }),
    }),
    route({
      method: 'del',
      pattern: '/api/v1/sessions/:handle',
      level: AccessLevel.READ_ONLY,
      handler: ({ request, principal }) => {
        const wanted = request.params[0]!;
        const handle = wanted === 'current' ? principal.sessionHandle : wanted;
        if (!handle) throw new AdminRequestError(400, 'ERR_ADMIN_INVALID', 'handle: "current" needs a session credential', 'handle');
        const target = sessions.list().find((s) => s.handle === handle);
        if (!target) throw notFound('such session', 'handle');
        if (target.tokenName !== principal.name && principal.level < AccessLevel.ADMIN) {
          throw new AdminRequestError(403, 'ERR_ADMIN_FORBIDDEN', 'revoking another token\'s session needs admin');
        }
        sessions.revoke(handle);
        return { status: 204, audit: { type: 'session.revoked', message: `session ${handle} revoked`, details: { handle, tokenName: target.tokenName } } };
      },
    }),
    route({
      method: 'get',
      pattern: '/api/v1/tokens',
      level: AccessLevel.ADMIN,
      handler: () => ({
        status: 200,
        body: {
          tokens: tokens.list().map((t) => ({
            name: t.name,
            level: levelName(t.level),
            source: t.source,
            expiresAt: t.expiresAt === undefined ? undefined : new Date(t.expiresAt).toISOString(),
            revoked: t.revoked,
          })),
        },
      }),
    }),
    route({
      method: 'post',
      pattern: '/api/v1/tokens',
      level: AccessLevel.SUPERUSER,
      body: tokenBody,
      handler: ({ body }) => {
        const { token, record } = tokens.create({ name: body.name, level: body.level, expiresAt: body.expires });
        return {
          status: 201,
          body: { token, name: record.name, level: levelName(record.level), expiresAt: record.expiresAt === undefined ? undefined : new Date(record.expiresAt).toISOString() },
          audit: { type: 'token.created', message: `token ${record.name} created`, details: { tokenName: record.name, level: levelName(record.level) } },
        };
      },
    }),
    route({
      method: 'del',
      pattern: '/api/v1/tokens/:name',
      level: AccessLevel.SUPERUSER,
      handler: ({ request }) => {
        const name = request.params[0]!;
        tokens.revoke(name);
        const ended = sessions.revokeByToken(name);
        return { status: 204, audit: { type: 'token.revoked', message: `token ${name} revoked`, details: { tokenName: name, sessionsEnded: ended } } };
      },
    }),
  ];
}
