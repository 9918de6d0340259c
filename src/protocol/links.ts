/**
 * Proxy links that Telegram apps open: [docs/protocol.md "Secrets and links"; tdlib LinkManager]
 *
 *   tg://proxy?server=HOST&port=PORT&secret=SECRET
 *   https://t.me/proxy?server=HOST&port=PORT&secret=SECRET
 *
 * An IPv6 host goes in bare (no brackets): clients read `server` as a host name or an address literal, not
 * as a URL authority (mtg's `access` emits ip.String() bare too, percent-encoded; ':' is legal in a query,
 * so we leave it literal and the decoded value is the same). The secret is hex by default (base64 in ee links
 * breaks some clients).
 */
import { LinkError } from './errors.js';
import { formatSecret, parseSecret, type ParsedSecret, type SecretEncoding } from './secrets.js';

export interface ProxyLinks {
  readonly tg: string;
  readonly https: string;
}

// Characters that may stay literal in a query value (host names and IPv6 literals need nothing else).
const SAFE_HOST = /^[A-Za-z0-9.:-]+$/;

export function proxyLinks(
  host: string,
  port: number,
  secret: ParsedSecret | string,
  encoding: SecretEncoding = 'hex',
): ProxyLinks {
  const parsed = typeof secret === 'string' ? parseSecret(secret) : secret;
  if (!Number.isInteger(port) || port < 1 || port > 65535) {
    throw new LinkError('ERR_PROTOCOL_LINK_PORT', `link port ${String(port)} is not in 1..65535`);
  }
  const bare = host.startsWith('[') && host.endsWith(']') ? host.slice(1, -1) : host;
  if (bare.length === 0 || /[\s/?#&]/.test(bare)) {
    throw new LinkError('ERR_PROTOCOL_LINK_HOST', 'link host is empty or contains spaces or URL delimiters');
  }
  const server = SAFE_HOST.test(bare) ? bare : encodeURIComponent(bare);
  const query = `server=${server}&port=${port}&secret=${formatSecret(parsed, encoding)}`;
  return Object.freeze({ tg: `tg://proxy?${query}`, https: `https://t.me/proxy?${query}` });
}
