/**
 * The middle-proxy table: the text core.telegram.org/getProxyConfig (and getProxyConfigV6) serves, parsed
 * (docs/protocol.md "Middle proxy", proxy config). Statements end with ';', '#' starts a comment:
 *
 *   default 2;                          the DC for ids the table does not name
 *   proxy_for 2 149.154.161.144:8888;   one middle proxy of DC 2 (a DC usually has several)
 *   proxy_for -2 149.154.162.38:80;     media DC 2; 203 is the CDN DC; test DCs have their own ids
 *   proxy_for 1 2001:b28:f23d:f001::d:8888;   IPv6 (the port follows the last ':'; [addr]:port works too)
 *   timeout 5000; min_connections 4; max_connections 8;   accepted and ignored
 *
 * A file that does not parse, names no proxy, or whose default names no DC in it throws ProxyTableError (with
 * the line), so the caller keeps the table it has.
 */
import ipaddr from 'ipaddr.js';
import { ProxyTableError } from './errors.js';

export interface MiddleEndpoint {
  readonly host: string;
  readonly port: number;
}

export class ProxyTable {
  constructor(
    private readonly rows: ReadonlyMap<number, readonly MiddleEndpoint[]>,
    readonly defaultDc: number,
  ) {}

  /** The DC ids the table names. */
  get dcs(): number[] {
    return [...this.rows.keys()];
  }

  /** The middle proxies for a DC id from a client's header: its own row, else the `default` row. */
  endpoints(dc: number): readonly MiddleEndpoint[] {
    return this.rows.get(dc) ?? this.rows.get(this.defaultDc)!;
  }

  /** True when `dc` has its own row (false: endpoints() falls back to the default). */
  has(dc: number): boolean {
    return this.rows.has(dc);
  }
}

const IGNORED = new Set(['timeout', 'min_connections', 'max_connections']);
const HOSTNAME = /^[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*$/i;

function parseDcId(text: string | undefined, line: number): number {
  if (text === undefined || !/^-?\d{1,6}$/.test(text)) throw new ProxyTableError('ERR_CONFIG_PROXY_TABLE_SYNTAX', `"${text ?? ''}" is not a DC id`, line);
  return Number(text);
}

function parseEndpoint(text: string | undefined, line: number): MiddleEndpoint {
  const bad = () => new ProxyTableError('ERR_CONFIG_PROXY_TABLE_SYNTAX', `"${text ?? ''}" is not HOST:PORT`, line);
  if (text === undefined) throw bad();
  const colon = text.lastIndexOf(':');
  if (colon <= 0) throw bad();
  const host = text.slice(0, colon).replace(/^\[(.*)\]$/, '$1');
  const portText = text.slice(colon + 1);
  const port = Number(portText);
  if (!/^\d{1,5}$/.test(portText) || port < 1 || port > 65535) throw bad();
  if (!ipaddr.isValid(host) && (host.includes(':') || !HOSTNAME.test(host))) throw bad();
  return { host, port };
}

/** Parses getProxyConfig / getProxyConfigV6 text. Throws ProxyTableError naming the line at fault. */
export function parseProxyTable(text: string): ProxyTable {
  const rows = new Map<number, MiddleEndpoint[]>();
  let defaultDc: { dc: number; line: number } | undefined;
  const lines = text.split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) {
    const line = i + 1;
    const code = lines[i]!.replace(/#.*$/, '');
    const statements = code.split(';');
    const tail = statements.pop()!;
    if (tail.trim() !== '') throw new ProxyTableError('ERR_CONFIG_PROXY_TABLE_SYNTAX', 'statement without its closing ";"', line);
    for (const statement of statements) {
      const words = statement.trim().split(/\s+/);
      const [directive] = words;
      if (directive === '' || directive === undefined) throw new ProxyTableError('ERR_CONFIG_PROXY_TABLE_SYNTAX', 'empty statement', line);
      if (directive === 'proxy_for' && words.length === 3) {
        const dc = parseDcId(words[1], line);
        const endpoint = parseEndpoint(words[2], line);
        const row = rows.get(dc) ?? [];
        if (!row.some((e) => e.host === endpoint.host && e.port === endpoint.port)) row.push(endpoint);
        rows.set(dc, row);
      } else if (directive === 'default' && words.length === 2) {
        defaultDc = { dc: parseDcId(words[1], line), line };
      } else if (IGNORED.has(directive) && words.length === 2 && /^\d+$/.test(words[1]!)) {
        // tuning hints for the official proxy's own pool
      } else {
        throw new ProxyTableError('ERR_CONFIG_PROXY_TABLE_SYNTAX', `unknown or malformed statement "${directive}"`, line);
      }
    }
  }
  if (rows.size === 0) throw new ProxyTableError('ERR_CONFIG_PROXY_TABLE_EMPTY', 'the proxy config names no middle proxy (proxy_for lines)');
  if (defaultDc === undefined) throw new ProxyTableError('ERR_CONFIG_PROXY_TABLE_DEFAULT', 'the proxy config has no "default DC;" line');
  if (!rows.has(defaultDc.dc)) throw new ProxyTableError('ERR_CONFIG_PROXY_TABLE_DEFAULT', `default DC ${defaultDc.dc} has no proxy_for line`, defaultDc.line);
  return new ProxyTable(rows, defaultDc.dc);
}
