/**
 * Field types shared by the config tables: durations and sizes as operators write them (resolved here to
 * milliseconds and bytes, once), "host:port" addresses and secrets. Messages name the problem; the key path
 * is added by the loader (src/config/load.ts).
 */
import { z } from 'zod';
import { parseSecret } from '../../protocol/secrets.js';
import { parseDuration, parseHostPort, parseSize } from '../../vocabulary/index.js';

const durationText = z.union([z.string(), z.number()]);

/** A zod transform: a duration → milliseconds, or an issue naming the problem. */
export function toMs(value: string | number, ctx: z.RefinementCtx): number {
  const ms = parseDuration(value);
  if (ms === undefined) {
    ctx.addIssue({ code: 'custom', message: `"${value}" is not a duration (use e.g. "500ms", "30s", "10m", "1h", "7d")` });
    return z.NEVER;
  }
  return ms;
}

/** A zod transform: a size → bytes (optionally within a range), or an issue naming the problem. */
export function toBytes(value: string | number, ctx: z.RefinementCtx, range?: { min: number; max: number }): number {
  const bytes = parseSize(value);
  if (bytes === undefined || (range && (bytes < range.min || bytes > range.max))) {
    const within = range ? ` between ${range.min} and ${range.max} bytes` : '';
    ctx.addIssue({ code: 'custom', message: `"${value}" is not a size${within} (use e.g. "512KiB", "10MiB", "50GiB")` });
    return z.NEVER;
  }
  return bytes;
}

/** A duration → milliseconds; `fallback` (as the file would spell it) when the key is absent. */
export function duration(fallback: string | number) {
  return durationText.default(fallback).transform(toMs);
}

const sizeText = z.union([z.string(), z.number()]);

/** A size → bytes, optionally within a range; `fallback` (as the file would spell it) when absent. */
export function size(fallback: string | number, range?: { min: number; max: number }) {
  return sizeText.default(fallback).transform((value, ctx) => toBytes(value, ctx, range));
}

/** A size → bytes, no default (add `.optional()` where the key may be left out). */
export const sizeValue = sizeText.transform((value, ctx) => toBytes(value, ctx));

export const hostPort = z.string().refine((text) => parseHostPort(text) !== undefined, {
  message: 'expected "host:port" or "[ipv6]:port"',
});

/** One "host:port" or a list of them → a list. */
export const hostPortList = z.union([hostPort, z.array(hostPort).min(1)]).transform((value) => (Array.isArray(value) ? value : [value]));

export const secretText = z.string().superRefine((text, ctx) => {
  try {
    parseSecret(text);
  } catch (err) {
    ctx.addIssue({ code: 'custom', message: `invalid secret: ${(err as Error).message}` });
  }
});

/** An RFC 3339 date-time (a TOML date-time arrives as a Date) → epoch ms. */
export const dateTime = z.union([z.string(), z.date()]).transform((value, ctx) => {
  const at = value instanceof Date ? value.getTime() : Date.parse(value);
  if (!Number.isFinite(at)) {
    ctx.addIssue({ code: 'custom', message: `"${String(value)}" is not an RFC 3339 date-time` });
    return z.NEVER;
  }
  return at;
});
