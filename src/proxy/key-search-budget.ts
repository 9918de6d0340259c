/**
 * What a key search may cost when junk hellos come from many addresses (docs/security.md "Junk hellos").
 *
 * Neither handshake carries a key identifier (docs/protocol.md "Fake TLS", "Obfuscated2 header"): a hello is
 * checked against every key of its domain (fake TLS: an HMAC-SHA256 over the whole hello per key) or every
 * obfuscated2 key (a SHA-256 and an AES block per key). The per-source throttle (src/proxy/source-throttle.ts)
 * bounds what one address can make the proxy pay; this module bounds what many addresses can:
 *
 * - Hot keys first: each key list (obfuscated2, or one fake-TLS domain) keeps a move-to-front list of the
 *   `hotSize` keys that matched most recently. A search tries those, then the rest; an honest client of an
 *   active user costs a few key trials.
 * - A global budget of failed key trials (the generic cell rate algorithm, ITU-T I.371, as the per-source
 *   throttle): while it is spent, a search from a source with no recent success stops after the hot keys
 *   (the handshake is fronted as 'key_budget'); a source that succeeded recently (a bounded table, IPv6 by /64)
 *   still gets the full search. Searches over at most `hotSize` keys always run in full and are not charged:
 *   they cost no more than a limited one.
 *
 * The trade-off: during such a flood, a user not active lately who connects from a new address is fronted
 * until the flood ends. A search that matched stops there, so its time shows whether the key was hot; the
 * key itself stays unknown to anyone without it.
 */
import type { SecurityEvent } from '../events.js';
import { sourceKey } from './source-throttle.js';

export interface KeySearchBudgetOptions {
  /** Failed key trials per second the budget forgives (default 4000: 20–25 ms of CPU a second). */
  readonly keysPerSecond?: number;
  /** Failed key trials allowed at once before the budget is spent (default 8000). */
  readonly burstKeys?: number;
  /** Hot keys per key list, and the most keys a limited search tries (default 64). */
  readonly hotSize?: number;
  /** Sources remembered as having succeeded lately (default 4096). */
  readonly goodSources?: number;
  /** How long a success keeps a source good (default 10 minutes). */
  readonly goodSourceMs?: number;
  /** Told when the budget becomes spent, at most once per `reportEveryMs` (default 60 s). */
  readonly onExhausted?: (info: { keysPerSecond: number; burstKeys: number }) => void;
  readonly reportEveryMs?: number;
}

/** The budget a handshake consults between its hot keys and the rest. */
export interface KeySearchBudget {
  /** Hot list size: searches over at most this many keys are never limited nor charged. */
  readonly hotSize: number;
  /** Whether a search from `source` over `keys` keys may go past the hot keys now. */
  allowsFullSearch(source: string | undefined, keys: number, now: number): boolean;
  /** `tried` keys of a list of `keys` were tried and none matched. */
  failed(tried: number, keys: number, now: number): void;
  /** A search from `source` matched a key: the source is good for a while. */
  succeeded(source: string | undefined, now: number): void;
  /** Drops what is no longer needed (called once in a while). */
  prune(now: number): void;
}

const DEFAULT_HOT_SIZE = 64;

export const unlimitedKeySearch: KeySearchBudget = {
  hotSize: DEFAULT_HOT_SIZE,
  allowsFullSearch: () => true,
  failed: () => undefined,
  succeeded: () => undefined,
  prune: () => undefined,
};

export class GlobalKeyBudget implements KeySearchBudget {
  readonly hotSize: number;
  private readonly msPerKey: number;
  private readonly burstMs: number;
  private readonly maxGood: number;
  private readonly goodMs: number;
  private readonly reportEveryMs: number;
  private readonly onExhausted: KeySearchBudgetOptions['onExhausted'];
  private readonly info: { keysPerSecond: number; burstKeys: number };
  /** When the budget is whole again (ms): the GCRA's theoretical arrival time. */
  private fullAt = 0;
  private reportedAt = -Infinity;
  /** Source key → when its good standing ends; Map order is the order of last success. */
  private readonly good = new Map<string, number>();
  /** Searches stopped after the hot keys (also counted as 'key_budget' handshake failures). */
  limitedSearches = 0;

  constructor(options: KeySearchBudgetOptions = {}) {
    const keysPerSecond = options.keysPerSecond ?? 4_000;
    const burstKeys = options.burstKeys ?? 8_000;
    this.msPerKey = 1000 / keysPerSecond;
    this.burstMs = burstKeys * this.msPerKey;
    this.hotSize = options.hotSize ?? DEFAULT_HOT_SIZE;
    this.maxGood = options.goodSources ?? 4096;
    this.goodMs = options.goodSourceMs ?? 10 * 60_000;
    this.reportEveryMs = options.reportEveryMs ?? 60_000;
    this.onExhausted = options.onExhausted;
    this.info = { keysPerSecond, burstKeys };
  }

  /** True while failed trials have used up the burst. */
  exhausted(now: number): boolean {
    return this.fullAt - now >= this.burstMs;
  }

  allowsFullSearch(source: string | undefined, keys: number, now: number): boolean {
    if (keys <= this.hotSize || !this.exhausted(now)) return true;
    if (source !== undefined) {
      const until = this.good.get(sourceKey(source));
      if (until !== undefined && until > now) return true;
    }
    this.limitedSearches++;
    return false;
  }

  failed(tried: number, keys: number, now: number): void {
    if (keys <= this.hotSize || tried === 0) return;
    const wasSpent = this.exhausted(now);
    // Past the burst nothing more is charged (GCRA: a refused cell leaves the arrival time alone), so the
    // budget is whole again within burst / rate of the flood's end.
    if (wasSpent) return;
    this.fullAt = Math.max(this.fullAt, now) + tried * this.msPerKey;
    if (this.exhausted(now) && now - this.reportedAt >= this.reportEveryMs) {
      this.reportedAt = now;
      this.onExhausted?.(this.info);
    }
  }

  succeeded(source: string | undefined, now: number): void {
    if (source === undefined) return;
    const key = sourceKey(source);
    if (!this.good.delete(key) && this.good.size >= this.maxGood) {
      const oldest = this.good.keys().next();
      if (!oldest.done) this.good.delete(oldest.value);
    }
    this.good.set(key, now + this.goodMs);
  }

  prune(now: number): void {
    for (const [key, until] of this.good) {
      if (until > now) return;
      this.good.delete(key);
    }
  }

  /** Sources remembered as good (tests, diagnostics). */
  get goodSourceCount(): number {
    return this.good.size;
  }
}

/**
 * One key list (all obfuscated2 keys, or the fake-TLS keys of one domain) with its hot keys: the ones that
 * matched most recently, most recent first. `cold()` is the rest in the list's own order (live users, then
 * rotated-out keys, then tombstones), rebuilt only after the hot set changes, into the same array.
 */
export class HotKeyList<C> {
  readonly hot: C[] = [];
  private readonly hotSet = new Set<C>();
  private readonly rest: C[] = [];
  private restStale = true;

  constructor(
    readonly all: readonly C[],
    private readonly size = DEFAULT_HOT_SIZE,
  ) {}

  /** The keys not in the hot list. */
  cold(): readonly C[] {
    if (this.restStale) {
      this.rest.length = 0;
      for (const c of this.all) if (!this.hotSet.has(c)) this.rest.push(c);
      this.restStale = false;
    }
    return this.rest;
  }

  /** `candidate` matched: it moves to the front (O(hot size), no allocation). */
  promote(candidate: C): void {
    const hot = this.hot;
    let at = this.hotSet.has(candidate) ? hot.indexOf(candidate) : -1;
    if (at < 0) {
      this.restStale = true;
      this.hotSet.add(candidate);
      if (hot.length >= this.size) this.hotSet.delete(hot[hot.length - 1]!);
      else hot.push(candidate);
      at = hot.length - 1;
    }
    for (let i = at; i > 0; i--) hot[i] = hot[i - 1]!;
    hot[0] = candidate;
  }

  /** Carries the hot keys of an older list over to this one (the directory rebuilt its lists). */
  adopt(previous: HotKeyList<C> | undefined, same: (older: C, newer: C) => boolean): void {
    if (!previous) return;
    for (let i = previous.hot.length - 1; i >= 0; i--) {
      const older = previous.hot[i]!;
      const match = this.all.find((c) => same(older, c));
      if (match !== undefined) this.promote(match);
    }
  }
}

/**
 * One step of a key search over a list: `run` tries `keys`; `outcome` says what came of it: the index of the
 * matching key, MISSED (no key matched: go on), or STOPPED (a key matched but the hello failed otherwise, or
 * it is malformed: no point trying more keys).
 */
export interface KeyTrial<A, M> {
  run(arg: A, keys: readonly KeyCandidate[]): M;
  outcome(result: M): number;
}

export const MISSED = -1;
export const STOPPED = -2;

/** What the search needs of a candidate: whose it is (only live users' keys become hot). */
export interface KeyCandidate {
  readonly user: { readonly removedAt: number | undefined };
}

/**
 * Runs a key search: the hot keys, then (when the budget allows) the rest. Returns the last step's result,
 * or undefined when the budget stopped it after the hot keys. `found` is the candidate that matched (read it
 * right after; searches are synchronous). One instance serves every handshake.
 */
export class KeySearch {
  found: KeyCandidate | undefined;
  /** Key trials of the last search (tests count them; the attack test reads it). */
  tried = 0;
  /** Key trials of all searches since start. */
  totalTried = 0;

  constructor(readonly budget: KeySearchBudget) {}

  search<A, M>(list: HotKeyList<KeyCandidate>, source: string | undefined, now: number, trial: KeyTrial<A, M>, arg: A): M | undefined {
    this.found = undefined;
    this.tried = 0;
    const keys = list.all.length;
    const hot = list.hot;
    let result: M | undefined;
    let outcome = MISSED;
    if (hot.length > 0) {
      result = trial.run(arg, hot);
      this.count(hot.length);
      outcome = trial.outcome(result);
      if (outcome >= 0) return this.matched(list, hot[outcome]!, source, now, result);
    }
    if (outcome === MISSED) {
      const cold = list.cold();
      if (cold.length > 0 || result === undefined) {
        if (cold.length > 0 && !this.budget.allowsFullSearch(source, keys, now)) {
          this.budget.failed(this.tried, keys, now);
          return undefined;
        }
        result = trial.run(arg, cold);
        this.count(cold.length);
        outcome = trial.outcome(result);
        if (outcome >= 0) return this.matched(list, cold[outcome]!, source, now, result);
      }
    }
    if (outcome === MISSED) this.budget.failed(this.tried, keys, now);
    return result;
  }

  private count(n: number): void {
    this.tried += n;
    this.totalTried += n;
  }

  private matched<M>(list: HotKeyList<KeyCandidate>, candidate: KeyCandidate, source: string | undefined, now: number, result: M): M {
    this.found = candidate;
    if (candidate.user.removedAt === undefined) list.promote(candidate);
    this.budget.succeeded(source, now);
    return result;
  }
}

/** The security event for a spent budget (the server emits it; the budget calls at most once a minute). */
export function keyBudgetEvent(info: { keysPerSecond: number; burstKeys: number }, at: number): SecurityEvent {
  return {
    type: 'handshake.key_budget_exhausted',
    severity: 'medium',
    at,
    message: `failed key searches from many sources used up the key budget (${info.keysPerSecond}/s, burst ${info.burstKeys}): sources with no recent success get only the hot keys`,
    details: { ...info },
  };
}
