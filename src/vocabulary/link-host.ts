/**
 * The host that goes into a proxy link (tg://proxy?server=HOST…, docs/operations.md "Links"), one rule for
 * the CLI (`run`, `access`), the admin API's user answers and key rotation:
 *
 *   1. `security.link_host`, when set (the name clients dial may differ from the proxy's own public name);
 *   2. else `server.public_host`;
 *   3. else the first listen address that is not a wildcard (0.0.0.0, ::);
 *   4. else none — the admin API and rotation then answer without links; only the CLI, run on the proxy's
 *      own machine, may fall back to a guess from the local interfaces (and says operators should set one).
 *
 * The port is `security.link_port`, else the first listen port (none when that is 0, "any port").
 */
import { isWildcardHost, type HostPort } from './address.js';

export interface LinkHostSources {
  linkHost?: string;
  publicHost?: string;
  listen: readonly HostPort[];
  linkPort?: number;
}

/** Steps 1–3 of the rule; undefined when nothing names a host a client could dial. */
export function chooseLinkHost(sources: LinkHostSources): string | undefined {
  return sources.linkHost ?? sources.publicHost ?? sources.listen.find((a) => !isWildcardHost(a.host))?.host;
}

/** The link port: `link_port`, else the first listen port; undefined when that is 0 ("any port": nothing to dial yet). */
export function chooseLinkPort(sources: LinkHostSources): number | undefined {
  const port = sources.linkPort ?? sources.listen[0]?.port;
  return port !== undefined && port > 0 ? port : undefined;
}

/** The link target, or undefined when there is no host (step 4) or no port. */
export function chooseLinkTarget(sources: LinkHostSources): HostPort | undefined {
  const host = chooseLinkHost(sources);
  const port = chooseLinkPort(sources);
  return host !== undefined && port !== undefined ? { host, port } : undefined;
}
