/**
 * [upstream]: how the proxy reaches Telegram. `mode` names the upstream (docs/architecture.md, "Upstreams"):
 *   "direct"  dial the DCs (https://core.telegram.org/mtproto/mtproto-transports); `dc` overrides the table;
 *   "middle"  through Telegram's middle proxies (docs/protocol.md "Middle proxy"; docs/operations.md "Middle-proxy
 *             mode"), the only path that carries an ad tag;
 *   "relay"   through a relay exit ([upstream.relay]; docs/operations.md "Chaining: entry and exit");
 *   "socks5"  direct mode's DC connections through a SOCKS5 server ([upstream.socks5]: RFC 1928, RFC 1929;
 *             docs/operations.md "SOCKS5 upstream").
 * The sub-table of the chosen mode must be complete; the others may be present and are ignored.
 */
import { z } from 'zod';
import ipaddr from 'ipaddr.js';
import { parseHostPort } from '../../vocabulary/index.js';
import { DEFAULTS } from '../defaults.js';
import { duration, hostPort, hostPortList, size } from './fields.js';
import { relayKeyFile, relayPath, relayPublicKey, relaySuites, relayTransport } from './relay-fields.js';

export const UPSTREAM_MODES = ['direct', 'middle', 'relay', 'socks5'] as const;
export type UpstreamMode = (typeof UPSTREAM_MODES)[number];

const upstreamMode = z
  .string()
  .default(DEFAULTS.upstream.mode)
  .transform((value, ctx): UpstreamMode => {
    if ((UPSTREAM_MODES as readonly string[]).includes(value)) return value as UpstreamMode;
    const available = UPSTREAM_MODES.map((m) => `"${m}"`).join(', ');
    ctx.addIssue({ code: 'custom', message: `unknown upstream mode "${value}" (available: ${available})` });
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

/** [upstream.relay]: the entry's side of the tunnel. */
const relayEntrySchema = z
  .strictObject({
    servers: hostPortList.optional(),
    public_key: relayPublicKey.optional(),
    key_file: relayKeyFile,
    transport: relayTransport,
    path: relayPath,
    suites: relaySuites,
    rekey: size(DEFAULTS.relay.rekey, { min: 1024, max: 2 ** 50 }),
    rekey_after: duration(DEFAULTS.relay.rekeyAfter),
  })
  .transform((r) => ({
    servers: (r.servers ?? []).map((text) => parseHostPort(text)!),
    publicKey: r.public_key,
    keyFile: r.key_file,
    transport: r.transport,
    path: r.path,
    suites: r.suites,
    rekeyBytes: r.rekey,
    rekeyAfterMs: r.rekey_after,
  }))
  .optional();

/** [upstream.socks5]: the SOCKS5 server direct mode dials through (the password is redacted in logs). */
const socks5Schema = z
  .strictObject({
    address: hostPort.optional(),
    username: z.string().min(1).max(255, 'RFC 1929 allows at most 255 bytes').optional(),
    password: z.string().max(255, 'RFC 1929 allows at most 255 bytes').optional(),
  })
  .transform((s) => ({ address: s.address === undefined ? undefined : parseHostPort(s.address)!, username: s.username, password: s.password }))
  .optional();

export const upstreamSchema = z
  .strictObject({
    mode: upstreamMode,
    ad_tag: adTagText.optional(),
    dc: z.record(z.string().regex(/^-?\d{1,5}$/, 'DC keys are DC ids such as "2" or "-2"'), hostPortList).default({}),
    middle: middleSchema,
    relay: relayEntrySchema,
    socks5: socks5Schema,
  })
  .superRefine((u, ctx) => {
    if (u.mode !== 'middle' && u.ad_tag !== undefined) ctx.addIssue({ code: 'custom', path: ['ad_tag'], message: AD_TAG_NEEDS_MIDDLE });
    if (u.mode === 'relay') {
      if (!u.relay || u.relay.servers.length === 0) ctx.addIssue({ code: 'custom', path: ['relay', 'servers'], message: 'upstream mode "relay" needs at least one exit server' });
      if (!u.relay?.publicKey) ctx.addIssue({ code: 'custom', path: ['relay', 'public_key'], message: 'upstream mode "relay" needs the exit\'s public key (pinned)' });
    }
    if (u.mode === 'socks5') {
      if (!u.socks5?.address) ctx.addIssue({ code: 'custom', path: ['socks5', 'address'], message: 'upstream mode "socks5" needs the SOCKS5 server\'s address' });
      if (u.socks5?.password !== undefined && u.socks5.username === undefined) ctx.addIssue({ code: 'custom', path: ['socks5', 'username'], message: 'a SOCKS5 password needs a username (RFC 1929)' });
    }
    if (u.mode !== 'middle') return;
    for (const [key, value] of [['proxy_secret', u.middle.proxySecretPath], ['proxy_config', u.middle.proxyConfigPath]] as const) {
      if (value === undefined) ctx.addIssue({ code: 'custom', path: ['middle', key], message: `middle mode needs the path of ${key === 'proxy_secret' ? 'getProxySecret' : 'getProxyConfig'}'s file here` });
    }
  })
  .transform((u) => {
    const dc: Record<string, { host: string; port: number }[]> = {};
    for (const [id, addresses] of Object.entries(u.dc)) dc[String(Number(id))] = addresses.map((text) => parseHostPort(text)!);
    return { mode: u.mode, adTag: u.ad_tag, dc, middle: u.middle, relay: u.relay, socks5: u.socks5 };
  })
  .prefault({});
