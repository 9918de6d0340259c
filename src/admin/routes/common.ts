/** Small helpers shared by the route modules: body field types, durations, 404s, the proxy handle. */
import { z } from 'zod';
import { toBytes, toMs } from '../../config/index.js';
import { AdminRequestError } from '../http.js';
import type { AdminContext, ProxyPort } from '../deps.js';

/** A duration as text ("10m") or seconds, → milliseconds (the config's rule and message). */
export const durationField = z.union([z.string().max(32), z.number().nonnegative()]).transform(toMs);

/** A size as text ("10GiB") or bytes. */
export const sizeField = z.union([z.string().max(32), z.number().int().nonnegative()]).transform((value, ctx) => toBytes(value, ctx));

/** An RFC 3339 date-time → epoch ms. */
export const dateTimeField = z.iso.datetime({ offset: true }).transform((text) => Date.parse(text));

export const emptyBody = z.strictObject({});

export function notFound(what: string, field?: string): AdminRequestError {
  return new AdminRequestError(404, 'ERR_ADMIN_NOT_FOUND', `no ${what}`, field);
}

export function requireProxy(ctx: AdminContext): ProxyPort {
  if (!ctx.proxy) throw new AdminRequestError(503, 'ERR_ADMIN_NO_PROXY', 'the proxy service is not attached to this admin plane');
  return ctx.proxy;
}
