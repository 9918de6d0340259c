/**
 * Users in the run-time overlay (overlay.ts): what the admin API and key rotation changed, kept as one record
 * per user name, and the rule that lays those records over the config file's users.
 *
 * Precedence (docs/admin-api.md "Run-time changes and the config file"):
 *   - a user added or replaced through the API is taken whole from the overlay, over the config's entry;
 *   - a rotation (manual or scheduled) replaces the secret only, so the config still sets the user's limits;
 *   - a delete is a tombstone: the user stays gone even when the config file names it, until it is added again;
 *   - a rotated-out secret is kept with its expiry and comes back as a grace key only until then, never after.
 */

/** A user as the overlay keeps it (the config's user fields, camelCase, units resolved). */
export interface OverlayUserSpec {
  name: string;
  secret: string;
  maxConnections?: number;
  maxIps?: number;
  quotaBytes?: number;
  expiresAt?: number;
  level?: 'standard' | 'none';
}

/** A rotated-out secret and the time (epoch ms) it stops working. */
export interface RetiredSecret {
  secret: string;
  until: number;
}

/** One change the user directory reports (src/proxy/users.ts); reloads report none. */
export type UserChange =
  | { kind: 'upsert'; spec: OverlayUserSpec }
  | { kind: 'remove'; name: string }
  | { kind: 'rotate'; name: string; secret: string; retired?: RetiredSecret };

export interface OverlayUserRecord {
  /** Set by an API add or replace: the whole user, over the config's entry. */
  spec?: OverlayUserSpec;
  /** Set by a rotation: the current secret, over the spec's (config or API). */
  secret?: string;
  /** A tombstone: the user is gone even when the config names it. */
  deleted?: true;
  retired: RetiredSecret[];
}

/** Where a user's live settings come from, as GET /api/v1/users shows it. */
export type UserSource = 'config' | 'api' | 'config+api';

export interface MergedUsers<T> {
  users: (T & { source: UserSource })[];
  /** Grace keys to restore (secret and expiry), still in their grace period at `now`. */
  retired: { name: string; secret: string; until: number }[];
}

/** Applies one change to the records (in place); returns false when nothing changed. */
export function applyUserChange(records: Record<string, OverlayUserRecord>, change: UserChange, now: number): boolean {
  const name = change.kind === 'upsert' ? change.spec.name : change.name;
  const record = records[name] ?? { retired: [] };
  record.retired = record.retired.filter((r) => r.until > now);
  if (change.kind === 'upsert') {
    record.spec = { ...change.spec };
    delete record.secret;
    delete record.deleted;
  } else if (change.kind === 'remove') {
    delete record.spec;
    delete record.secret;
    record.deleted = true;
    record.retired = [];
  } else {
    record.secret = change.secret;
    if (change.retired && change.retired.until > now) record.retired.push({ ...change.retired });
  }
  records[name] = record;
  return true;
}

/** The users the directory should hold: the config's, with the overlay laid over them (precedence above). */
export function mergeUsers<T extends OverlayUserSpec>(config: readonly T[], records: Readonly<Record<string, OverlayUserRecord>>, now: number): MergedUsers<T> {
  const users: (T & { source: UserSource })[] = [];
  const seen = new Set<string>();
  for (const user of config) {
    seen.add(user.name);
    const record = records[user.name];
    if (record?.deleted) continue;
    if (!record) {
      users.push({ ...user, source: 'config' });
      continue;
    }
    const base = (record.spec ? { level: 'standard', ...record.spec } : user) as T;
    users.push({ ...base, secret: record.secret ?? base.secret, source: 'config+api' });
  }
  for (const [name, record] of Object.entries(records)) {
    if (seen.has(name) || record.deleted || !record.spec) continue;
    users.push({ level: 'standard', ...record.spec, secret: record.secret ?? record.spec.secret, source: 'api' } as T & { source: UserSource });
  }
  const live = new Set(users.map((u) => u.name));
  const retired: MergedUsers<T>['retired'] = [];
  for (const [name, record] of Object.entries(records)) {
    if (!live.has(name)) continue;
    for (const r of record.retired) if (r.until > now) retired.push({ name, secret: r.secret, until: r.until });
  }
  return { users, retired };
}
