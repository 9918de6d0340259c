/**
 * Browser guards of the admin plane: a web page open on the admin host must not reach the admin API.
 *
 *  - Host (RFC 9110 §7.2), on every HTTP request and WebSocket upgrade: a page whose name re-resolves to
 *    127.0.0.1 (DNS rebinding) still sends its own name as Host. Allowed are IP literals (a page cannot
 *    rebind an address), `localhost`, the listen host and `[admin] allowed_hosts`; a missing Host (not a
 *    browser: browsers always send one) passes. The port is not compared: only the name can be rebound.
 *  - Origin (RFC 6454, RFC 6455 §4.2.1 / §10.2), on WebSocket upgrades: browsers send it, and a WebSocket is not
 *    bound by the same-origin policy, so the server must check it. No Origin (a non-browser client) passes, as
 *    does the same origin (Origin's host:port equal to an allowed Host) and `[admin] allowed_origins`.
 */
import { isIP } from 'node:net';
import type { AdminConfig } from '../config/index.js';

export interface BrowserGuard {
  /** The Host header value ('' when absent) names this admin plane. */
  hostAllowed(host: string): boolean;
  /** The Origin header value ('' when absent) may open a WebSocket here, given the request's Host. */
  originAllowed(origin: string, host: string): boolean;
}

/** "name:port", "[v6]:port", "v4", "name" → the lower-cased name without brackets or port. */
export function hostName(host: string): string {
  const value = host.trim().toLowerCase();
  if (value.startsWith('[')) return value.slice(1, value.indexOf(']') >>> 0);
  const colon = value.indexOf(':');
  // More than one colon and no brackets: a bare IPv6 address (not valid in Host, but not a name either).
  if (colon !== -1 && value.indexOf(':', colon + 1) !== -1) return value;
  return colon === -1 ? value : value.slice(0, colon);
}

export function createBrowserGuard(admin: Pick<AdminConfig, 'allowedHosts' | 'allowedOrigins'>, listenHost: string): BrowserGuard {
  const names = new Set(['localhost', hostName(listenHost), ...admin.allowedHosts.map(hostName)]);
  const origins = new Set(admin.allowedOrigins.map((o) => o.toLowerCase().replace(/\/+$/, '')));
  const hostAllowed = (host: string): boolean => {
    if (host === '') return true;
    const name = hostName(host);
    return isIP(name) !== 0 || names.has(name);
  };
  return {
    hostAllowed,
    originAllowed(origin, host) {
      if (origin === '') return true;
      const normalised = origin.trim().toLowerCase();
      if (origins.has(normalised)) return true;
      let parsed: URL;
      try {
        parsed = new URL(normalised);
      } catch {
        return false; // "null" (sandboxed frames, file://) and junk
      }
      if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') return false;
      return host !== '' && hostAllowed(host) && parsed.host === host.trim().toLowerCase();
    },
  };
}
