/**
 * [upstream]: how the proxy reaches Telegram. `mode` names the upstream (docs/architecture.md, "Upstreams"):
 *   "direct"  dial the DCs (https://core.telegram.org/mtproto/mtproto-transports); `dc` overrides the table;
 *   "relay"   through a relay exit ([upstream.relay]; docs/operations.md "Chaining: entry and exit");
 *   "socks5"  (not available yet: refused) direct mode's DC connections through a SOCKS5 server; its table
 *             [upstream.socks5] (RFC 1928, RFC 1929) is already read and checked.
 * The sub-table of the chosen mode must be complete; the others may be present and are ignored.
 */
import { z } from 'zod';
import { parseHostPort } from '../../vocabulary/index.js';
import { DEFAULTS } from '../defaults.js';
import { duration, hostPort, hostPortList, size } from './fields.js';
import { relayKeyFile, relayPath, relayPublicKey, relaySuites, relayTransport } from './relay-fields.js';

export const UPSTREAM_MODES = ['direct', 'relay'] as const;
export type UpstreamMode = (typeof UPSTREAM_MODES)[number];
/** Upstreams planned but not built: refused with a message that says so. */
const PLANNED_UPSTREAMS = ['middle', 'socks5'];

const upstreamMode = z
  .string()
  .default(DEFAULTS.upstream.mode)
  .transform((value, ctx): UpstreamMode => {
    if ((UPSTREAM_MODES as readonly string[]).includes(value)) return value as UpstreamMode;
    const available = UPSTREAM_MODES.map((m) => `"${m}"`).join(', ');
    const message = PLANNED_UPSTREAMS.includes(value)
      ? `upstream mode "${value}" is not available yet (available: ${available})`
      : `unknown upstream mode "${value}" (available: ${available})`;
    ctx.addIssue({ code: 'custom', message });
    return z.NEVER;
  });

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
    dc: z.record(z.string().regex(/^-?\d{1,5}$/, 'DC keys are DC ids such as "2" or "-2"'), hostPortList).default({}),
    relay: relayEntrySchema,
    socks5: socks5Schema,
  })
  .superRefine((u, ctx) => {
    if (u.mode === 'relay') {
      if (!u.relay || u.relay.servers.length === 0) ctx.addIssue({ code: 'custom', path: ['relay', 'servers'], message: 'upstream mode "relay" needs at least one exit server' });
      if (!u.relay?.publicKey) ctx.addIssue({ code: 'custom', path: ['relay', 'public_key'], message: 'upstream mode "relay" needs the exit\'s public key (pinned)' });
    }
    if ((u.mode as string) === 'socks5') {
      if (!u.socks5?.address) ctx.addIssue({ code: 'custom', path: ['socks5', 'address'], message: 'upstream mode "socks5" needs the SOCKS5 server\'s address' });
      if (u.socks5?.password !== undefined && u.socks5.username === undefined) ctx.addIssue({ code: 'custom', path: ['socks5', 'username'], message: 'a SOCKS5 password needs a username (RFC 1929)' });
    }
  })
  .transform((u) => {
    const dc: Record<string, { host: string; port: number }[]> = {};
    for (const [id, addresses] of Object.entries(u.dc)) dc[String(Number(id))] = addresses.map((text) => parseHostPort(text)!);
    return { mode: u.mode, dc, relay: u.relay, socks5: u.socks5 };
  })
  .prefault({});
