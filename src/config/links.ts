/**
 * Links for the configured users: the host is `server.public_host`, else a listen address that is not a
 * wildcard, else this machine's first public-looking interface address (operators should set public_host).
 */
import { networkInterfaces } from 'node:os';
import { proxyLinks } from '../protocol/links.js';
import type { MtShieldConfig } from './types.js';

export interface UserLinks {
  user: string;
  tg: string;
  https: string;
}

export function linkHost(config: MtShieldConfig): string {
  if (config.server.publicHost) return config.server.publicHost;
  const concrete = config.server.listen.find((a) => a.host !== '0.0.0.0' && a.host !== '::');
  if (concrete) return concrete.host;
  for (const list of Object.values(networkInterfaces())) {
    for (const a of list ?? []) if (!a.internal && a.family === 'IPv4') return a.address;
  }
  return '127.0.0.1';
}

export function userLinks(config: MtShieldConfig, port = config.server.listen[0]!.port, host = linkHost(config)): UserLinks[] {
  return config.users
    .filter((u) => u.level !== 'none')
    .map((u) => {
      const links = proxyLinks(host, port, u.secret);
      return { user: u.name, tg: links.tg, https: links.https };
    });
}
