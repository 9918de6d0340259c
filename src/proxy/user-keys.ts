/**
 * The keys a handshake tries, indexed from the user directory (src/proxy/users.ts builds the list in search
 * order: live users, then rotated-out keys in their grace period, then tombstones). Obfuscated2 tries the keys
 * without a domain; fake TLS only those whose domain is the hello's SNI, indexed by lower-cased domain, so a
 * junk hello's cost does not grow with the users of other domains (docs/security.md "Junk hellos"). Each key
 * list keeps its recently matched keys in front (HotKeyList, src/proxy/key-search-budget.ts); a rebuilt list
 * adopts the old one's hot keys where the same live user still has the same key.
 *
 * Built lazily and kept until the directory says it changed (`invalidate`) or a grace key expired (`stale`).
 */
import { HotKeyList } from './key-search-budget.js';

/** What the index needs of a candidate key (src/proxy/users.ts UserCandidate). */
export interface IndexedKey {
  readonly user: { readonly removedAt?: number };
  readonly key: Uint8Array;
  /** Fake-TLS domain of the key's secret; none for an obfuscated2 key. */
  readonly domain?: string;
}

export interface KeyListSource<C> {
  /** Every key in search order. */
  build(): readonly C[];
  /** True when the last built list holds a key that has expired since. */
  stale(): boolean;
}

export class HandshakeKeyIndex<C extends IndexedKey> {
  private readonly none: readonly C[] = Object.freeze([]);
  private readonly noHotKeys = new HotKeyList<C>(this.none);
  private all: readonly C[] | undefined;
  private byTransport: { tls: C[]; obfuscated2: C[] } | undefined;
  private byDomain: Map<string, C[]> | undefined;
  private hotObfuscated2: HotKeyList<C> | undefined;
  private readonly hotByDomain = new Map<string, HotKeyList<C>>();

  constructor(private readonly source: KeyListSource<C>) {}

  /** The directory changed: the next lookup rebuilds. */
  invalidate(): void {
    this.all = undefined;
  }

  /** Every key a handshake on `transport` should try (all of them without one). */
  candidates(transport?: 'tls' | 'obfuscated2'): readonly C[] {
    const all = this.current();
    if (transport === undefined) return all;
    this.byTransport ??= { tls: all.filter((c) => c.domain !== undefined), obfuscated2: all.filter((c) => c.domain === undefined) };
    return this.byTransport[transport];
  }

  /** The fake-TLS keys whose secret's domain is `sni` (ASCII case-insensitive), in candidates() order. */
  tlsCandidates(sni: string | undefined): readonly C[] {
    if (sni === undefined) return this.none;
    const tls = this.candidates('tls');
    if (!this.byDomain) {
      const byDomain = new Map<string, C[]>();
      for (const c of tls) {
        const domain = c.domain!.toLowerCase();
        const list = byDomain.get(domain);
        if (list) list.push(c);
        else byDomain.set(domain, [c]);
      }
      this.byDomain = byDomain;
    }
    return this.byDomain.get(sni.toLowerCase()) ?? this.none;
  }

  /** The key list a handshake searches (candidates('obfuscated2') or tlsCandidates(sni)) with its hot keys. */
  hotKeys(transport: 'tls' | 'obfuscated2', sni?: string): HotKeyList<C> {
    if (transport === 'obfuscated2') {
      const all = this.candidates('obfuscated2');
      if (this.hotObfuscated2?.all !== all) this.hotObfuscated2 = rebuiltHotList(all, this.hotObfuscated2);
      return this.hotObfuscated2;
    }
    const all = this.tlsCandidates(sni);
    const domain = all[0]?.domain?.toLowerCase();
    if (domain === undefined) return this.noHotKeys; // no keys for this name: nothing to keep
    const list = this.hotByDomain.get(domain);
    if (list?.all === all) return list;
    const rebuilt = rebuiltHotList(all, list);
    this.hotByDomain.set(domain, rebuilt);
    return rebuilt;
  }

  private current(): readonly C[] {
    if (this.all && !this.source.stale()) return this.all;
    this.byTransport = undefined;
    this.byDomain = undefined;
    this.all = undefined;
    const built = this.source.build();
    this.all = built;
    return built;
  }
}

/** A new list's hot keys: the old list's, where the same live user still has the same key. */
function rebuiltHotList<C extends IndexedKey>(all: readonly C[], previous: HotKeyList<C> | undefined): HotKeyList<C> {
  const list = new HotKeyList(all);
  list.adopt(previous, (older, newer) => older.user === newer.user && newer.user.removedAt === undefined && Buffer.compare(older.key, newer.key) === 0);
  return list;
}
