/**
 * Links for the configured users, as the CLI prints them. The host is the config's `link`, resolved by the
 * one rule of src/vocabulary/link-host.ts; when that names none (only wildcard listen addresses, no
 * public_host), the CLI — which runs on the proxy's own machine — guesses this machine's first
 * public-looking interface address (operators should set server.public_host).
 */
import { networkInterfaces } from 'node:os';
import { proxyLinks } from '../protocol/links.js';
import type { MtShieldConfig } from './types.js';

export interface UserLinks {
  user: string;
  tg: string;
  https: string;
}

/** Step 4 of the link-host rule, for the CLI only: a local interface address. */
function guessLocalHost(): string {
  for (const list of Object.values(networkInterfaces())) {
    for (const a of list ?? []) if (!a.internal && a.family === 'IPv4') return a.address;
  }
  return '127.0.0.1';
}

export function linkHost(config: MtShieldConfig): string {
  return config.link.host ?? guessLocalHost();
}

export function userLinks(config: MtShieldConfig, port = config.link.port ?? config.server.listen[0]!.port, host = linkHost(config)): UserLinks[] {
  return config.users
    .filter((u) => u.level !== 'none')
    .map((u) => {
      const links = proxyLinks(host, port, u.secret);
      return { user: u.name, tg: links.tg, https: links.https };
    });
}
