/**
 * Proxy users over the API (src/proxy/users.ts UserDirectory). Changes are live, never written back to the
 * config file, and kept in the run-time overlay (src/state/overlay.ts) so they survive SIGHUP and restart;
 * each user shows its `source` ("config" | "api" | "config+api"; docs/admin-api.md for the precedence):
 *   GET    /api/v1/users               READ_ONLY  list (no secrets)
 *   GET    /api/v1/users/:name         READ_ONLY  one user with usage (no secret)
 *   POST   /api/v1/users               ADMIN      add or replace → 201 (new) / 200; answers the secret once
 *   DELETE /api/v1/users/:name         ADMIN      → 204
 *   POST   /api/v1/users/:name/rotate  ADMIN      new secret, the old one valid for `grace` → 200 with the secret
 */
import { z } from 'zod';
import type { UserInfo } from '../../proxy/users.js';
import { proxyLinks } from '../../protocol/links.js';
import { formatSecret, generateSecret, parseSecret } from '../../protocol/secrets.js';
import { SECRET_MODES, USER_NAME_PATTERN, USER_NAME_RULE, type SecretMode } from '../../vocabulary/index.js';
import { AccessLevel } from '../../security/credentials/levels.js';
import type { AdminContext } from '../deps.js';
import { AdminRequestError } from '../http.js';
import { route, type Route } from '../router.js';
import { dateTimeField, durationField, notFound, requireProxy, sizeField } from './common.js';

const userName = z.string().regex(USER_NAME_PATTERN, USER_NAME_RULE);
const secretText = z.string().max(512).refine((text) => {
  try {
    parseSecret(text);
    return true;
  } catch {
    return false;
  }
}, 'not a valid secret (32 hex digits, dd + 32 hex, or ee + 32 hex + hex domain)');
const mode = z.enum(SECRET_MODES);

const addBody = z.strictObject({
  name: userName,
  secret: secretText.optional(),
  /** When no secret is given, one is generated in this mode (default ee; ee needs a domain or an existing ee user). */
  mode: mode.optional(),
  domain: z.string().min(1).max(182).optional(),
  max_connections: z.number().int().positive().optional(),
  max_ips: z.number().int().positive().optional(),
  quota: sizeField.optional(),
  expires: dateTimeField.optional(),
  level: z.enum(['standard', 'none']).optional(),
});

const rotateBody = z.strictObject({
  secret: secretText.optional(),
  grace: durationField.optional(),
});

/** A user as READ_ONLY may see it: everything but the secret. */
export function publicUser(user: UserInfo): Omit<UserInfo, 'secret'> {
  const { secret: _secret, ...rest } = user;
  return rest;
}

function newSecretLike(ctx: AdminContext, wanted: SecretMode | undefined, domain: string | undefined, current?: UserInfo): string {
  const chosenMode = wanted ?? current?.mode ?? 'ee';
  const chosenDomain = domain ?? current?.domain ?? ctx.proxy?.users.list().find((u) => u.domain)?.domain;
  if (chosenMode === 'ee' && !chosenDomain) throw new AdminRequestError(400, 'ERR_ADMIN_INVALID', 'domain: an ee secret needs a domain', 'domain');
  return formatSecret(generateSecret(chosenMode, chosenMode === 'ee' ? chosenDomain : undefined));
}

function withLinks(ctx: AdminContext, user: UserInfo): Record<string, unknown> {
  // The host and port by the one link-host rule (src/vocabulary/link-host.ts), resolved by the config.
  const { host, port } = ctx.config.link ?? {};
  const links = host && port ? proxyLinks(host, port, user.secret) : undefined;
  return { ...publicUser(user), secret: user.secret, ...(links ? { links } : {}) };
}

export function userRoutes(ctx: AdminContext): Route[] {
  return [
    route({
      method: 'get',
      pattern: '/api/v1/users',
      level: AccessLevel.READ_ONLY,
      handler: () => ({ status: 200, body: { users: requireProxy(ctx).users.list().map(publicUser) } }),
    }),
    route({
      method: 'get',
      pattern: '/api/v1/users/:name',
      level: AccessLevel.READ_ONLY,
      handler: ({ request }) => {
        const user = requireProxy(ctx).users.get(request.params[0]!);
        if (!user) throw notFound(`user "${request.params[0]}"`, 'name');
        return { status: 200, body: publicUser(user) };
      },
    }),
    route({
      method: 'post',
      pattern: '/api/v1/users',
      level: AccessLevel.ADMIN,
      body: addBody,
      handler: ({ body }) => {
        const users = requireProxy(ctx).users;
        const existing = users.get(body.name);
        const secret = body.secret ?? newSecretLike(ctx, body.mode, body.domain, existing);
        const user = users.upsert({
          name: body.name,
          secret,
          maxConnections: body.max_connections,
          maxIps: body.max_ips,
          quotaBytes: body.quota,
          expiresAt: body.expires,
          level: body.level,
        });
        return {
          status: existing ? 200 : 201,
          body: withLinks(ctx, user),
          audit: { type: existing ? 'user.updated' : 'user.added', user: body.name, message: `user ${body.name} ${existing ? 'updated' : 'added'}`, details: { mode: user.mode, level: user.level } },
        };
      },
    }),
    route({
      method: 'del',
      pattern: '/api/v1/users/:name',
      level: AccessLevel.ADMIN,
      handler: ({ request }) => {
        const name = request.params[0]!;
        if (!requireProxy(ctx).users.remove(name)) throw notFound(`user "${name}"`, 'name');
        return { status: 204, audit: { type: 'user.removed', user: name, message: `user ${name} removed` } };
      },
    }),
    route({
      method: 'post',
      pattern: '/api/v1/users/:name/rotate',
      level: AccessLevel.ADMIN,
      body: rotateBody,
      handler: ({ body, request }) => {
        const name = request.params[0]!;
        const users = requireProxy(ctx).users;
        const current = users.get(name);
        if (!current) throw notFound(`user "${name}"`, 'name');
        const graceMs = body.grace ?? ctx.security.policies.active().rules.key_rotation.grace;
        const user = users.rotate(name, body.secret ?? newSecretLike(ctx, undefined, undefined, current), graceMs);
        return {
          status: 200,
          body: { ...withLinks(ctx, user), graceMs },
          audit: { type: 'user.rotated', user: name, message: `secret of ${name} rotated`, details: { graceMs } },
        };
      },
    }),
  ];
}
