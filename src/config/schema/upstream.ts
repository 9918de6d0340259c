/**
 * [upstream]: how the proxy reaches Telegram. `mode` names the upstream (docs/architecture.md, "Upstreams"):
 * "direct" dials the DCs (https://core.telegram.org/mtproto/mtproto-transports); "middle" goes through
 * Telegram's middle proxies (docs/protocol.md "Middle proxy"; docs/operations.md "Middle-proxy mode"), the only
 * path that carries an ad tag. The other planned upstreams are named so a config that asks for one gets a
 * clear "not available yet", not an "unknown value". `dc` overrides the built-in DC table (direct mode).
 */
import { z } from 'zod';
import ipaddr from 'ipaddr.js';
import { parseHostPort } from '../../vocabulary/index.js';
import { DEFAULTS } from '../defaults.js';
import { duration, hostPortList } from './fields.js';

export const UPSTREAM_MODES = ['direct', 'middle'] as const;
export type UpstreamMode = (typeof UPSTREAM_MODES)[number];
/** Upstreams planned but not built: refused with a message that says so. */
const PLANNED_UPSTREAMS = ['relay', 'socks5'];

const upstreamMode = z
  .string()
  .default(DEFAULTS.upstream.mode)
  .transform((value, ctx): UpstreamMode => {
    if ((UPSTREAM_MODES as readonly string[]).includes(value)) return value as UpstreamMode;
    const available = UPSTREAM_MODES.map((m) => `"${m}"`).join(' and ');
    const message = PLANNED_UPSTREAMS.includes(value)
      ? `upstream mode "${value}" is not available yet (only ${available} are)`
      : `unknown upstream mode "${value}" (available: ${available})`;
    ctx.addIssue({ code: 'custom', message });
    return z.NEVER;
  });

/** The tag @MTProxybot gives for a proxy: 16 bytes as 32 hex digits (kept as lower-case text). */
export const adTagText = z
  .string()
  .regex(/^[0-9a-fA-F]{32}$/, 'an ad tag is the 32 hex digits @MTProxybot gives')
  .transform((hex) => hex.toLowerCase());

/** Why an ad tag needs middle mode (the message of the config error). */
export const AD_TAG_NEEDS_MIDDLE =
  'an ad tag only reaches Telegram through its middle proxies: set [upstream] mode = "middle" or remove the ad_tag';

const ipOf = (family: 'ipv4' | 'ipv6') =>
  z.string().refine((text) => ipaddr.isValid(text) && ipaddr.parse(text).kind() === family, {
    message: family === 'ipv4' ? 'expected an IPv4 address' : 'expected an IPv6 address',
  });

const middleSchema = z
  .strictObject({
    proxy_secret: z.string().min(1).optional(),
    proxy_config: z.string().min(1).optional(),
    proxy_config_v6: z.string().min(1).optional(),
    refresh: duration(DEFAULTS.upstream.middle.refresh),
    download: z.boolean().default(DEFAULTS.upstream.middle.download),
    nat_ip: ipOf('ipv4').optional(),
    nat_ip6: ipOf('ipv6').optional(),
  })
  .transform((m) => ({
    proxySecretPath: m.proxy_secret,
    proxyConfigPath: m.proxy_config,
    proxyConfigV6Path: m.proxy_config_v6,
    refreshMs: m.refresh,
    download: m.download,
    natIp: m.nat_ip,
    natIp6: m.nat_ip6,
  }))
  .prefault({});

export type MiddleConfig = z.output<typeof middleSchema>;

export const upstreamSchema = z
  .strictObject({
    mode: upstreamMode,
    ad_tag: adTagText.optional(),
    dc: z.record(z.string().regex(/^-?\d{1,5}$/, 'DC keys are DC ids such as "2" or "-2"'), hostPortList).default({}),
    middle: middleSchema,
  })
  .superRefine((u, ctx) => {
    if (u.mode !== 'middle' && u.ad_tag !== undefined) ctx.addIssue({ code: 'custom', path: ['ad_tag'], message: AD_TAG_NEEDS_MIDDLE });
    if (u.mode !== 'middle') return;
    for (const [key, value] of [['proxy_secret', u.middle.proxySecretPath], ['proxy_config', u.middle.proxyConfigPath]] as const) {
      if (value === undefined) ctx.addIssue({ code: 'custom', path: ['middle', key], message: `middle mode needs the path of ${key === 'proxy_secret' ? 'getProxySecret' : 'getProxyConfig'}'s file here` });
    }
  })
  .transform((u) => {
    const dc: Record<string, { host: string; port: number }[]> = {};
    for (const [id, addresses] of Object.entries(u.dc)) dc[String(Number(id))] = addresses.map((text) => parseHostPort(text)!);
    return { mode: u.mode, adTag: u.ad_tag, dc, middle: u.middle };
  })
  .prefault({});
