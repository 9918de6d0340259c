/**
 * Crypto kernels (src/kernels/ registry):
 *   GET  /api/v1/kernels       READ_ONLY  → 200 registry.status()
 *   POST /api/v1/kernels/swap  SUPERUSER  {"path": "build.wasm", "sha256": ["hex", …]?} → 200 the swap result
 *     (load, verify the pinned hash, self-test, switch; the registry rolls back on any failure → 400)
 * The build must lie in the kernels directory, `<state_dir>/kernels` (a relative `path` is taken from there;
 * symlinks are followed and must stay inside), be a regular file under 4 MiB, and hash to one of the pins the
 * process was started with: the body's `sha256` list can only narrow those pins, so a stolen superuser token
 * cannot swap in a build of its own.
 */
import { join, resolve } from 'node:path';
import { z } from 'zod';
import { AccessLevel } from '../../security/credentials/levels.js';
import type { AdminContext, KernelsPort } from '../deps.js';
import { AdminRequestError } from '../http.js';
import { route, type Route } from '../router.js';

const swapBody = z.strictObject({
  path: z.string().min(1).max(4096),
  sha256: z.array(z.string().regex(/^[0-9a-fA-F]{64}$/, 'hex SHA-256')).max(64).optional(),
});

function requireKernels(ctx: AdminContext): KernelsPort {
  if (!ctx.kernels) throw new AdminRequestError(503, 'ERR_ADMIN_NO_KERNELS', 'the kernel registry is not loaded (node:crypto fallback in use)');
  return ctx.kernels;
}

export function kernelRoutes(ctx: AdminContext): Route[] {
  return [
    route({
      method: 'get',
      pattern: '/api/v1/kernels',
      level: AccessLevel.READ_ONLY,
      handler: () => ({ status: 200, body: requireKernels(ctx).status() }),
    }),
    route({
      method: 'post',
      pattern: '/api/v1/kernels/swap',
      level: AccessLevel.SUPERUSER,
      body: swapBody,
      handler: async ({ body }) => {
        const kernels = requireKernels(ctx);
        const stateDir = ctx.config.server?.stateDir;
        if (stateDir === undefined) throw new AdminRequestError(503, 'ERR_ADMIN_NO_KERNELS_DIR', 'no state_dir: no kernels directory to swap from');
        const root = join(stateDir, 'kernels');
        const result = (await kernels.swap(resolve(root, body.path), { expectSha256: body.sha256?.map((h) => h.toLowerCase()), root })) as Record<string, unknown>;
        return { status: 200, body: result, audit: { type: 'kernel.swapped', message: `kernel swapped from ${body.path}`, details: { sha256: result.sha256, path: body.path } } };
      },
    }),
  ];
}
