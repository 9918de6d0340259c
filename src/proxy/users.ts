/**
 * The user directory: named users, each with a secret and optional limits (connections, distinct client
 * IPs, a byte quota kept in the usage store, an expiry) and a level ('none' refuses the user).
 *
 * A handshake tries the candidate keys of its transport, indexed by src/proxy/user-keys.ts. Removed users stay as "tombstones" for a while, so their
 * clients are recognised and refused with a `user.refused` (reason 'removed') instead of being fronted;
 * a rotated user's old key stays a candidate until its grace period ends.
 *
 * Changes made at run time (upsert, remove, rotate: the admin API and key rotation) are reported to one change
 * listener, which keeps them in the run-time overlay (src/state/overlay.ts) so they survive SIGHUP and restart;
 * a reload (replaceAll) reports nothing, and each user remembers where its settings come from (`source`).
 *
 * In a group of processes (docs/fleet.md), the byte counts come from a shared usage store and the counts behind
 * `max_connections` / `max_ips` from shared leases (src/state/user-leases.ts): `admit` checks this process's own
 * counts, then `admitShared` the group's, for users with such a limit only.
 */
import { MtShieldError } from '../errors.js';
import { parseSecret, type ParsedSecret } from '../protocol/secrets.js';
import { USER_NAME_RULE, isUserName, type SecretMode, type UserLimitReason } from '../vocabulary/index.js';
import type { UsageStore } from './usage-store.js';
import type { UserConfig } from '../config/types.js';
import type { UserChange, UserSource } from '../state/overlay-users.js';
import type { UserLeases } from '../state/user-leases.js';
import type { HotKeyList } from './key-search-budget.js';
import { HandshakeKeyIndex } from './user-keys.js';

/** A user as the config describes it (config/types.ts), the level optional ('standard' when left out). */
export type UserSpec = Omit<UserConfig, 'level'> & { level?: UserConfig['level'] };

export interface UserUsage {
  connections: number;
  ips: number;
  usedBytes: number;
  quotaBytes?: number;
}

export interface UserInfo extends UserUsage {
  name: string;
  /** The configured secret (needed for links; callers must never log it). */
  secret: string;
  mode: SecretMode;
  domain?: string;
  maxConnections?: number;
  maxIps?: number;
  expiresAt?: number;
  level: 'standard' | 'none';
  /** Old secrets still accepted (rotation), with the time each stops working. */
  graceUntil: number[];
  /** Where the settings come from: the config file, the admin API / a rotation, or the config with run-time changes. */
  source: UserSource;
}

/** A user as a reload hands it over: the merged config and overlay say where it comes from. */
export type SourcedUserSpec = UserSpec & { source?: UserSource };

export type UserRefusal = UserLimitReason;

export class UserError extends MtShieldError {}

/** One user's live state; sessions hold a reference to it for accounting. */
export class UserRecord {
  connections = 0;
  readonly ips = new Map<string, number>();
  removedAt: number | undefined;
  source: UserSource = 'config';
  /** Rotated-out keys, each with the domain of its own secret (a rotation may change mode or domain). */
  graceKeys: { key: Uint8Array; domain: string | undefined; until: number }[] = [];

  constructor(
    public spec: Readonly<UserSpec>,
    public parsed: ParsedSecret,
  ) {}

  get name(): string {
    return this.spec.name;
  }
}

/**
 * How a client reached the proxy. A key is tried only on the transport its secret gives out: an ee key in
 * fake TLS, a plain or dd key in obfuscated2 (any framing: real dd clients such as GramJS send abridged).
 * So an ee link never lets anyone in over bytes that do not look like TLS, as mtg and telemt do.
 */
export type HandshakeTransport = 'tls' | 'obfuscated2';

export interface UserCandidate {
  readonly user: UserRecord;
  readonly key: Uint8Array;
  /** Fake-TLS domain of this key's secret (SNI check), when it is an ee secret. */
  readonly domain?: string;
}

const TOMBSTONE_MS = 60 * 60_000;
const MAX_TOMBSTONES = 64;

export class UserDirectory {
  private readonly users = new Map<string, UserRecord>();
  private readonly keys = new HandshakeKeyIndex<UserCandidate>({
    build: () => this.buildCandidates(),
    stale: () => this.hasExpiredKeys(this.clock()),
  });
  private changeListener: ((change: UserChange) => void) | undefined;
  private leases: UserLeases | undefined;

  constructor(
    private readonly usageStore: UsageStore,
    private readonly clock: () => number = Date.now,
  ) {}

  list(): UserInfo[] {
    const out: UserInfo[] = [];
    for (const record of this.users.values()) if (record.removedAt === undefined) out.push(this.info(record));
    return out;
  }

  get(name: string): UserInfo | undefined {
    const record = this.users.get(name);
    return record && record.removedAt === undefined ? this.info(record) : undefined;
  }

  /** The one listener told of each run-time change (the run-time overlay); a reload reports none. */
  onChange(listener: ((change: UserChange) => void) | undefined): void {
    this.changeListener = listener;
  }

  /** Adds a user or replaces its secret and limits (a run-time change); live connections keep running. */
  upsert(spec: UserSpec): UserInfo {
    const existing = this.users.get(spec.name);
    const fromConfig = existing !== undefined && existing.source !== 'api';
    const info = this.put(spec, fromConfig ? 'config+api' : 'api');
    this.changeListener?.({ kind: 'upsert', spec: { ...spec, level: spec.level ?? 'standard' } });
    return info;
  }

  private put(spec: UserSpec, source: UserSource): UserInfo {
    if (!isUserName(spec.name)) {
      throw new UserError('ERR_PROXY_USER_NAME', USER_NAME_RULE);
    }
    const parsed = parseUserSecret(spec.secret);
    const frozen = Object.freeze({ ...spec, level: spec.level ?? 'standard' });
    const existing = this.users.get(spec.name);
    const record = existing ?? new UserRecord(frozen, parsed);
    record.spec = frozen;
    record.parsed = parsed;
    record.removedAt = undefined;
    record.source = source;
    if (!existing) this.users.set(spec.name, record);
    this.keys.invalidate();
    return this.info(this.users.get(spec.name)!);
  }

  /** Removes a user: new connections are refused ('removed'); existing ones survive. */
  remove(name: string): boolean {
    if (!this.drop(name)) return false;
    this.changeListener?.({ kind: 'remove', name });
    return true;
  }

  private drop(name: string): boolean {
    const record = this.users.get(name);
    if (!record || record.removedAt !== undefined) return false;
    record.removedAt = this.clock();
    record.graceKeys = [];
    this.keys.invalidate();
    this.pruneTombstones();
    return true;
  }

  /** Gives a user a new secret; the old one keeps working for graceMs. */
  rotate(name: string, newSecret: string, graceMs: number): UserInfo {
    const record = this.users.get(name);
    if (!record || record.removedAt !== undefined) throw new UserError('ERR_PROXY_USER_UNKNOWN', `no user "${name}"`);
    const parsed = parseUserSecret(newSecret);
    const retired = graceMs > 0 ? { secret: record.spec.secret, until: this.clock() + graceMs } : undefined;
    if (retired) record.graceKeys.push({ key: record.parsed.key, domain: record.parsed.domain, until: retired.until });
    record.parsed = parsed;
    record.spec = Object.freeze({ ...record.spec, secret: newSecret });
    if (record.source === 'config') record.source = 'config+api';
    this.keys.invalidate();
    this.changeListener?.({ kind: 'rotate', name, secret: newSecret, retired });
    return this.info(record);
  }

  /** Restart / reload: brings back a rotated-out secret kept in the overlay, only while its grace period lasts. */
  restoreRetired(name: string, secret: string, until: number): void {
    const record = this.users.get(name);
    if (!record || record.removedAt !== undefined || until <= this.clock()) return;
    const parsed = parseUserSecret(secret);
    if (record.graceKeys.some((g) => g.until === until && Buffer.compare(g.key, parsed.key) === 0)) return;
    record.graceKeys.push({ key: parsed.key, domain: parsed.domain, until });
    this.keys.invalidate();
  }

  usage(name: string): UserUsage | undefined {
    const record = this.users.get(name);
    if (!record) return undefined;
    return {
      connections: record.connections,
      ips: record.ips.size,
      usedBytes: this.usageStore.get(name),
      quotaBytes: record.spec.quotaBytes,
    };
  }

  /** Clears a user's byte count (a new quota period). */
  resetUsage(name: string): void {
    this.usageStore.reset(name);
  }

  /**
   * Reload: the given users become the directory; others are removed. Not a run-time change (nothing reported).
   */
  replaceAll(specs: readonly SourcedUserSpec[]): void {
    for (const spec of specs) parseUserSecret(spec.secret); // validate all before changing anything
    const keep = new Set(specs.map((s) => s.name));
    for (const { source, ...spec } of specs) this.put(spec, source ?? 'config');
    for (const name of [...this.users.keys()]) if (!keep.has(name)) this.drop(name);
  }

  get size(): number {
    return this.list().length;
  }

  /** Every key a handshake on `transport` should try (all of them without one), grace keys and tombstones included. */
  candidates(transport?: HandshakeTransport): readonly UserCandidate[] {
    return this.keys.candidates(transport);
  }

  /** The fake-TLS keys whose secret's domain is `sni` (ASCII case-insensitive), in candidates() order. */
  tlsCandidates(sni: string | undefined): readonly UserCandidate[] {
    return this.keys.tlsCandidates(sni);
  }

  /** The key list a handshake searches (candidates('obfuscated2') or tlsCandidates(sni)) with its hot keys. */
  hotKeys(transport: HandshakeTransport, sni?: string): HotKeyList<UserCandidate> {
    return this.keys.hotKeys(transport, sni);
  }

  /** Every user's keys in the order a search tries them (HandshakeKeyIndex caches it until a change). */
  private buildCandidates(): readonly UserCandidate[] {
    const now = this.clock();
    this.pruneTombstones();
    // Order matters: the first candidate whose key matches wins, so live users come before rotated-out
    // keys, and both before tombstones (a key given to a new user must not be refused as 'removed').
    const live: UserCandidate[] = [];
    const grace: UserCandidate[] = [];
    const removed: UserCandidate[] = [];
    for (const record of this.users.values()) {
      const candidate = { user: record, key: record.parsed.key, domain: record.parsed.domain };
      (record.removedAt === undefined ? live : removed).push(candidate);
      record.graceKeys = record.graceKeys.filter((g) => g.until > now);
      for (const g of record.graceKeys) grace.push({ user: record, key: g.key, domain: g.domain });
    }
    return [...live, ...grace, ...removed];
  }

  /** Domains of ee secrets, in directory order (the default fronting target). */
  domains(): string[] {
    const out: string[] = [];
    for (const record of this.users.values()) {
      if (record.removedAt === undefined && record.parsed.domain && !out.includes(record.parsed.domain)) out.push(record.parsed.domain);
    }
    return out;
  }

  /** Checks the limits for a new connection from `ip`; on success counts it (release() undoes). */
  admit(record: UserRecord, ip: string): UserRefusal | undefined {
    const spec = record.spec;
    if (record.removedAt !== undefined) return 'removed';
    if (spec.level === 'none') return 'disabled';
    if (spec.expiresAt !== undefined && this.clock() >= spec.expiresAt) return 'expired';
    if (spec.quotaBytes !== undefined && this.usageStore.get(spec.name) >= spec.quotaBytes) return 'quota';
    if (spec.maxConnections !== undefined && record.connections >= spec.maxConnections) return 'max_connections';
    const fromIp = record.ips.get(ip);
    if (fromIp === undefined && spec.maxIps !== undefined && record.ips.size >= spec.maxIps) return 'max_ips';
    record.connections++;
    record.ips.set(ip, (fromIp ?? 0) + 1);
    return undefined;
  }

  /** A group of processes: the limits on connections and IPs also hold for the group, through these leases. */
  shareLimits(leases: UserLeases | undefined): void {
    this.leases = leases;
  }

  /**
   * The group's check, after `admit` counted the connection here: undefined (synchronously) when nothing is
   * shared or the user has no connection or IP limit. A refusal, or a cancel (`cancelled()` true) while waiting, undoes
   * this process's count and any lease taken, and answers the refusal or 'aborted'.
   */
  admitShared(record: UserRecord, ip: string, cancelled?: () => boolean): Promise<UserRefusal | 'aborted' | undefined> | undefined {
    const { maxConnections, maxIps } = record.spec;
    const leases = this.leases;
    if (!leases || (maxConnections === undefined && maxIps === undefined)) return undefined;
    return leases.acquire(record.name, ip, { maxConnections, maxIps }).then((refusal) => {
      if (!refusal && !cancelled?.()) return undefined;
      this.releaseLocal(record, ip);
      if (!refusal) leases.release(record.name, ip);
      return refusal ?? 'aborted';
    });
  }

  release(record: UserRecord, ip: string): void {
    this.releaseLocal(record, ip);
    this.leases?.release(record.name, ip);
  }

  private releaseLocal(record: UserRecord, ip: string): void {
    record.connections--;
    const fromIp = record.ips.get(ip) ?? 1;
    if (fromIp <= 1) record.ips.delete(ip);
    else record.ips.set(ip, fromIp - 1);
  }

  /** Counts relayed bytes; false once the user is over quota (the relay then stops). */
  account(record: UserRecord, bytes: number): boolean {
    const total = this.usageStore.add(record.name, bytes);
    const quota = record.spec.quotaBytes;
    return quota === undefined || total < quota;
  }

  /** Whether an admitted user should be cut now (expired, disabled, removed-with-cut is not done). */
  stillValid(record: UserRecord, now: number): UserRefusal | undefined {
    if (record.spec.level === 'none') return 'disabled';
    if (record.spec.expiresAt !== undefined && now >= record.spec.expiresAt) return 'expired';
    return undefined;
  }

  private hasExpiredKeys(now: number): boolean {
    for (const record of this.users.values()) for (const grace of record.graceKeys) if (grace.until <= now) return true;
    return false;
  }

  private pruneTombstones(): void {
    const now = this.clock();
    const tombstones = [...this.users.values()].filter((r) => r.removedAt !== undefined);
    tombstones.sort((a, b) => a.removedAt! - b.removedAt!);
    const excess = tombstones.length - MAX_TOMBSTONES;
    tombstones.forEach((record, i) => {
      if (i < excess || now - record.removedAt! > TOMBSTONE_MS) {
        this.users.delete(record.name);
        this.keys.invalidate();
      }
    });
  }

  private info(record: UserRecord): UserInfo {
    const s = record.spec;
    return {
      name: s.name,
      secret: s.secret,
      mode: record.parsed.mode,
      domain: record.parsed.domain,
      maxConnections: s.maxConnections,
      maxIps: s.maxIps,
      quotaBytes: s.quotaBytes,
      expiresAt: s.expiresAt,
      level: s.level ?? 'standard',
      connections: record.connections,
      ips: record.ips.size,
      usedBytes: this.usageStore.get(s.name),
      graceUntil: record.graceKeys.map((g) => g.until),
      source: record.source,
    };
  }
}

function parseUserSecret(secret: string): ParsedSecret {
  try {
    return parseSecret(secret);
  } catch (err) {
    throw new UserError('ERR_PROXY_USER_SECRET', `invalid secret: ${(err as Error).message}`, { cause: err });
  }
}
