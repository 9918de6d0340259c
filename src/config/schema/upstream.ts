/**
 * [upstream]: how the proxy reaches Telegram. `mode` names the upstream (docs/architecture.md, "Upstreams");
 * only "direct" (dial the DCs, https://core.telegram.org/mtproto/mtproto-transports) exists now. The other
 * wave-2 upstreams are named here so a config that asks for one gets a clear "not available yet", not an
 * "unknown value". `dc` overrides the built-in DC table.
 */
import { z } from 'zod';
import { parseHostPort } from '../../vocabulary/index.js';
import { DEFAULTS } from '../defaults.js';
import { hostPortList } from './fields.js';

export const UPSTREAM_MODES = ['direct'] as const;
export type UpstreamMode = (typeof UPSTREAM_MODES)[number];
/** Upstreams planned but not built: refused with a message that says so. */
const PLANNED_UPSTREAMS = ['middle', 'relay', 'socks5'];

const upstreamMode = z
  .string()
  .default(DEFAULTS.upstream.mode)
  .transform((value, ctx): UpstreamMode => {
    if ((UPSTREAM_MODES as readonly string[]).includes(value)) return value as UpstreamMode;
    const message = PLANNED_UPSTREAMS.includes(value)
      ? `upstream mode "${value}" is not available yet (only "direct" is)`
      : `unknown upstream mode "${value}" (only "direct" is available)`;
    ctx.addIssue({ code: 'custom', message });
    return z.NEVER;
  });

export const upstreamSchema = z
  .strictObject({
    mode: upstreamMode,
    dc: z.record(z.string().regex(/^-?\d{1,5}$/, 'DC keys are DC ids such as "2" or "-2"'), hostPortList).default({}),
  })
  .transform((u) => {
    const dc: Record<string, { host: string; port: number }[]> = {};
    for (const [id, addresses] of Object.entries(u.dc)) dc[String(Number(id))] = addresses.map((text) => parseHostPort(text)!);
    return { mode: u.mode, dc };
  })
  .prefault({});
