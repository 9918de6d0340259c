/**
 * Telegram DC addresses for direct mode, and the lookup the proxy dials with. [docs/protocol.md "DC table";
 * mtg essentials/addresses.go; mtprotoproxy TG_DATACENTERS_V4/V6]
 *
 *   id in header   meaning               table row used
 *   1..5, 203      production DC          that row
 *   -1..-5, -203   media DC               abs(id)        (direct mode has no separate media addresses)
 *   ±10001..       test DC (id ± 10000)   the same row as id ∓ 10000, unless an override names it
 *   anything else  unknown                options.defaultDc (2 unless configured)
 *
 * Overrides (config `[upstream.dc]`) are keyed by DC id strings and tried from the most specific key:
 * "-10002" → "10002" → "-2" → "2"; a media DC -2 uses "2" unless "-2" is given.
 */
import { DcError } from './errors.js';

export interface DcAddress {
  readonly host: string;
  readonly port: number;
  readonly family: 4 | 6;
}

export interface DcRow {
  readonly v4: string;
  readonly v6: string;
}

export const DC_PORT = 443;

export const BUILTIN_DCS: ReadonlyMap<number, DcRow> = new Map([
  [1, { v4: '149.154.175.50', v6: '2001:b28:f23d:f001::a' }],
  [2, { v4: '149.154.167.51', v6: '2001:67c:4e8:f002::a' }],
  [3, { v4: '149.154.175.100', v6: '2001:b28:f23d:f003::a' }],
  [4, { v4: '149.154.167.91', v6: '2001:67c:4e8:f004::a' }],
  [5, { v4: '149.154.171.5', v6: '2001:b28:f23f:f005::a' }],
  [203, { v4: '91.105.192.100', v6: '2a0a:f280:203:a:5000::100' }],
]);

const TEST_OFFSET = 10000;

export interface DcTableOptions {
  /** Config overrides: DC id string → addresses ("host:port", "[v6]:port", or objects). */
  readonly overrides?: Readonly<Record<string, readonly (string | { host: string; port: number })[]>>;
  /** Put IPv6 addresses first (the proxy falls back to the next address on failure). */
  readonly preferIpv6?: boolean;
  /** Leave out one family entirely (a host without IPv6, say). */
  readonly families?: readonly (4 | 6)[];
  /** The DC used when the id is not in the table; default 2. */
  readonly defaultDc?: number;
}

export interface DcResolution {
  /** The id as the client sent it. */
  readonly requested: number;
  /** The table row used (after media/test normalisation or the default). */
  readonly dc: number;
  readonly media: boolean;
  readonly test: boolean;
  /** True when the id was unknown and the default DC was used. */
  readonly defaulted: boolean;
  /** True when the addresses come from an override. */
  readonly overridden: boolean;
  /** Addresses to try in order. */
  readonly addresses: readonly DcAddress[];
}

/** Parses "host:port", "[v6]:port" or a bare v6 literal with a port after the last colon. */
export function parseHostPort(text: string): DcAddress {
  const bracket = /^\[([0-9a-fA-F:.]+)\]:(\d{1,5})$/.exec(text);
  const plain = /^([^:[\]\s]+):(\d{1,5})$/.exec(text);
  const m = bracket ?? plain;
  if (!m) throw new DcError('ERR_PROTOCOL_DC_ADDRESS', `DC address "${text}" is not host:port or [ipv6]:port`);
  const port = Number(m[2]);
  if (port < 1 || port > 65535) throw new DcError('ERR_PROTOCOL_DC_ADDRESS', `DC address "${text}" has a bad port`);
  return { host: m[1]!, port, family: bracket ? 6 : 4 };
}

function toAddress(entry: string | { host: string; port: number }): DcAddress {
  if (typeof entry === 'string') return parseHostPort(entry);
  const host = entry.host.replace(/^\[(.*)\]$/, '$1');
  if (!Number.isInteger(entry.port) || entry.port < 1 || entry.port > 65535 || host.length === 0) {
    throw new DcError('ERR_PROTOCOL_DC_ADDRESS', `DC address ${host}:${entry.port} is invalid`);
  }
  return { host, port: entry.port, family: host.includes(':') ? 6 : 4 };
}

/** Splits a header DC id into the table row it names and its media / test flags. */
export function normalizeDcId(id: number): { base: number; media: boolean; test: boolean } {
  const media = id < 0;
  let abs = Math.abs(id);
  const test = abs > TEST_OFFSET;
  if (test) abs -= TEST_OFFSET;
  return { base: abs, media, test };
}

export class DcTable {
  private readonly overrides = new Map<string, readonly DcAddress[]>();
  private readonly preferIpv6: boolean;
  private readonly families: ReadonlySet<4 | 6>;
  readonly defaultDc: number;

  constructor(options: DcTableOptions = {}) {
    for (const [key, list] of Object.entries(options.overrides ?? {})) {
      if (!/^-?\d+$/.test(key)) throw new DcError('ERR_PROTOCOL_DC_ADDRESS', `DC override key "${key}" is not a DC id`);
      if (list.length === 0) throw new DcError('ERR_PROTOCOL_DC_ADDRESS', `DC override "${key}" has no addresses`);
      this.overrides.set(String(Number(key)), list.map(toAddress));
    }
    this.preferIpv6 = options.preferIpv6 ?? false;
    this.families = new Set(options.families ?? [4, 6]);
    this.defaultDc = options.defaultDc ?? 2;
    if (!BUILTIN_DCS.has(this.defaultDc) && !this.overrides.has(String(this.defaultDc))) {
      throw new DcError('ERR_PROTOCOL_DC_UNKNOWN', `default DC ${this.defaultDc} is neither built in nor overridden`);
    }
  }

  /** Addresses for a DC id from a client header; never throws for any int16 id. */
  resolve(id: number): DcResolution {
    const { base, media, test } = normalizeDcId(id);
    const sign = media ? -1 : 1;
    const keys = [id, Math.abs(id), sign * base, base].map(String);
    for (const key of new Set(keys)) {
      const hit = this.overrides.get(key);
      if (hit) return { requested: id, dc: base, media, test, defaulted: false, overridden: true, addresses: hit };
    }
    const row = BUILTIN_DCS.get(base);
    if (row) return { requested: id, dc: base, media, test, defaulted: false, overridden: false, addresses: this.rowAddresses(row) };
    const fallback = this.overrides.get(String(this.defaultDc));
    const addresses = fallback ?? this.rowAddresses(BUILTIN_DCS.get(this.defaultDc)!);
    return { requested: id, dc: this.defaultDc, media, test, defaulted: true, overridden: fallback !== undefined, addresses };
  }

  private rowAddresses(row: DcRow): DcAddress[] {
    const v4: DcAddress = { host: row.v4, port: DC_PORT, family: 4 };
    const v6: DcAddress = { host: row.v6, port: DC_PORT, family: 6 };
    const ordered = this.preferIpv6 ? [v6, v4] : [v4, v6];
    return ordered.filter((a) => this.families.has(a.family));
  }
}
