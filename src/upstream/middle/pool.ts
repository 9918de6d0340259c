/**
 * The link pool of middle mode (docs/protocol.md "Middle proxy"; docs/operations.md "Middle-proxy mode"): a few
 * MiddleLinks per middle proxy, shared by every client of that proxy's DC. One link per client is what runs a
 * proxy out of file descriptors; one link for everyone makes a single TCP window the bottleneck.
 *
 *   choosing   the DC id maps through the table (negative media ids, 203, test DCs have their own rows; an
 *              unknown id takes the `default` row); among that row's proxies the least-loaded open link wins,
 *              and a proxy with fewer than `linksPerProxy` links gets one more, started in the background
 *   dying      a link that closes takes its clients with it (MiddleLink closes them); the pool replaces it
 *              after a backoff that doubles per failed attempt (to `maxBackoffMs`)
 *   keep-alive every `pingIntervalMs` each link gets RPC_PING; a link whose previous ping got no RPC_PONG by
 *              then is closed (a middle proxy that stopped answering) and replaced
 *   refresh    setTable() swaps the table: proxies no longer named take no new clients, and their links
 *              close once their last client leaves
 */
import { randomBytes } from 'node:crypto';
import { MiddleLink, type MiddleLinkOptions } from './link.js';
import { MiddleProtocolError } from './errors.js';
import type { MiddleEndpoint, ProxyTable } from './proxy-table.js';
import type { CbcSource } from './rpc-channel.js';

export interface MiddlePoolOptions {
  table: ProxyTable;
  proxySecret: Uint8Array;
  registry: CbcSource;
  natIp?: string | undefined;
  natIp6?: string | undefined;
  /** Links kept per middle proxy in use (default 2). */
  linksPerProxy?: number;
  /** Keep-alive period; also how long a ping may wait for its pong (default 30 s). */
  pingIntervalMs?: number;
  handshakeTimeoutMs?: number;
  /** First replacement delay, doubled per failed attempt (default 500 ms), up to maxBackoffMs (default 30 s). */
  minBackoffMs?: number;
  maxBackoffMs?: number;
  maxClientBuffer?: number;
}

/** The links of one middle proxy. */
interface ProxyLinks {
  readonly endpoint: MiddleEndpoint;
  readonly links: MiddleLink[];
  connecting: Promise<MiddleLink> | undefined;
  failures: number;
  retry: NodeJS.Timeout | undefined;
}

/** Ping bookkeeping per link: the id of the ping still owed a pong. */
const awaitingPong = new WeakMap<MiddleLink, bigint>();

export interface PoolStats {
  links: number;
  clients: number;
  proxies: number;
}

export class MiddlePool {
  private table: ProxyTable;
  private proxySecret: Uint8Array;
  private readonly proxies = new Map<string, ProxyLinks>();
  private readonly pinger: NodeJS.Timeout;
  private closed = false;
  private readonly linksPerProxy: number;

  constructor(private readonly options: MiddlePoolOptions) {
    this.table = options.table;
    this.proxySecret = options.proxySecret;
    this.linksPerProxy = Math.max(1, options.linksPerProxy ?? 2);
    this.pinger = setInterval(() => this.keepAlive(), options.pingIntervalMs ?? 30_000);
    this.pinger.unref();
  }

  /** A new table (and secret) from a refresh: new links use them; links to proxies no longer named retire. */
  setTable(table: ProxyTable, proxySecret?: Uint8Array): void {
    this.table = table;
    if (proxySecret !== undefined) this.proxySecret = proxySecret;
    this.retireUnnamed();
  }

  get currentTable(): ProxyTable {
    return this.table;
  }

  stats(): PoolStats {
    let links = 0;
    let clients = 0;
    for (const p of this.proxies.values()) {
      for (const l of p.links) {
        links++;
        clients += l.clientCount;
      }
    }
    return { links, clients, proxies: this.proxies.size };
  }

  /** An open link to one of `dc`'s middle proxies (waiting for a first link when none is open yet). */
  async linkFor(dc: number, signal?: AbortSignal): Promise<MiddleLink> {
    if (this.closed) throw new MiddleProtocolError('ERR_PROTOCOL_MIDDLE_LINK_CLOSED', 'the middle-proxy pool is closed');
    // one pass, no arrays: this runs once per admitted client
    const endpoints = this.table.endpoints(dc);
    let best: MiddleLink | undefined;
    let grow: ProxyLinks | undefined; // one more link to the least-served proxy not waiting out a backoff
    for (const e of endpoints) {
      const p = this.proxyLinks(e);
      for (const l of p.links) if (!l.closed && (best === undefined || l.clientCount < best.clientCount)) best = l;
      if (p.connecting === undefined && p.retry === undefined && p.links.length < this.linksPerProxy && (grow === undefined || p.links.length < grow.links.length)) grow = p;
    }
    if (grow !== undefined) this.startLink(grow).catch(() => {});
    if (best !== undefined) return best;
    const proxies = endpoints.map((e) => this.proxyLinks(e));
    const pending = proxies.map((p) => p.connecting).filter((c): c is Promise<MiddleLink> => c !== undefined);
    // every proxy of the DC is in backoff: a client waiting is reason enough to try one now
    if (pending.length === 0) pending.push(this.startLink(proxies[0]!));
    return await abortable(Promise.any(pending).catch((err: AggregateError) => Promise.reject(err.errors[0])), signal);
  }

  async close(): Promise<void> {
    this.closed = true;
    clearInterval(this.pinger);
    for (const p of this.proxies.values()) {
      clearTimeout(p.retry);
      for (const l of p.links) l.close();
    }
    this.proxies.clear();
  }

  private proxyLinks(endpoint: MiddleEndpoint): ProxyLinks {
    const key = `${endpoint.host}|${endpoint.port}`;
    let p = this.proxies.get(key);
    if (p === undefined) {
      p = { endpoint, links: [], connecting: undefined, failures: 0, retry: undefined };
      this.proxies.set(key, p);
    }
    return p;
  }

  private startLink(p: ProxyLinks): Promise<MiddleLink> {
    if (p.connecting) return p.connecting;
    const { options } = this;
    const linkOptions: MiddleLinkOptions = {
      host: p.endpoint.host,
      port: p.endpoint.port,
      proxySecret: this.proxySecret,
      registry: options.registry,
      natIp: options.natIp,
      natIp6: options.natIp6,
      handshakeTimeoutMs: options.handshakeTimeoutMs,
      maxClientBuffer: options.maxClientBuffer,
    };
    const connecting = MiddleLink.connect(linkOptions).then(
      (link) => {
        p.connecting = undefined;
        if (this.closed) {
          link.close();
          throw new MiddleProtocolError('ERR_PROTOCOL_MIDDLE_LINK_CLOSED', 'the middle-proxy pool is closed');
        }
        p.failures = 0;
        p.links.push(link);
        link.on('close', () => this.onLinkClosed(p, link));
        link.on('pong', (id: bigint) => {
          if (awaitingPong.get(link) === id) awaitingPong.delete(link);
        });
        return link;
      },
      (err: unknown) => {
        p.connecting = undefined;
        p.failures++;
        this.scheduleReplacement(p);
        throw err;
      },
    );
    p.connecting = connecting;
    return connecting;
  }

  private onLinkClosed(p: ProxyLinks, link: MiddleLink): void {
    const at = p.links.indexOf(link);
    if (at >= 0) p.links.splice(at, 1);
    awaitingPong.delete(link);
    if (!this.closed && this.isNamed(p.endpoint)) this.scheduleReplacement(p);
  }

  private scheduleReplacement(p: ProxyLinks): void {
    if (this.closed || p.retry !== undefined) return;
    const min = this.options.minBackoffMs ?? 500;
    const delay = Math.min(this.options.maxBackoffMs ?? 30_000, min * 2 ** Math.min(p.failures, 16));
    p.retry = setTimeout(() => {
      p.retry = undefined;
      if (this.closed || !this.isNamed(p.endpoint) || p.links.length >= this.linksPerProxy) return;
      this.startLink(p).catch(() => {});
    }, delay);
    p.retry.unref();
  }

  private keepAlive(): void {
    for (const p of this.proxies.values()) {
      for (const link of [...p.links]) {
        if (awaitingPong.has(link)) {
          link.close(new MiddleProtocolError('ERR_PROTOCOL_MIDDLE_NO_PONG', 'the middle proxy stopped answering pings'));
          continue;
        }
        const id = randomBytes(8).readBigUInt64LE(0);
        awaitingPong.set(link, id);
        link.ping(id);
      }
    }
    this.retireUnnamed();
  }

  /** Links to proxies the table no longer names close once empty; such a proxy is forgotten once it has none. */
  private retireUnnamed(): void {
    for (const [key, p] of this.proxies) {
      if (this.isNamed(p.endpoint)) continue;
      clearTimeout(p.retry);
      p.retry = undefined;
      for (const l of [...p.links]) if (l.clientCount === 0) l.close();
      if (p.links.length === 0 && p.connecting === undefined) this.proxies.delete(key);
    }
  }

  private isNamed(endpoint: MiddleEndpoint): boolean {
    for (const dc of this.table.dcs) {
      for (const e of this.table.endpoints(dc)) if (e.host === endpoint.host && e.port === endpoint.port) return true;
    }
    return false;
  }
}

/** `promise`, or the signal's reason once it aborts. */
function abortable<T>(promise: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (signal === undefined) return promise;
  if (signal.aborted) return Promise.reject(signal.reason);
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(
      (v) => {
        signal.removeEventListener('abort', onAbort);
        resolve(v);
      },
      (e: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(e);
      },
    );
  });
}
