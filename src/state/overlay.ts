/**
 * The run-time overlay: every change made while running (users added, changed, deleted; rotations, manual or
 * scheduled; API access rules with their positions; blocks) kept as records in the state store, so it survives
 * SIGHUP and restart. The config file stays the baseline: the overlay is laid over it at start and after every
 * reload (users: overlay-users.ts; rules and blocks: their owners in src/security/admission/ restore them).
 * Access rules and blocks are kept as their owners' JSON records; this module does not interpret them.
 *
 * Writes are serialised and each writes the whole overlay as it is then, so the last change always lands last
 * and a burst of changes costs one write; a failed write is reported to `onError` and the next change writes
 * the whole overlay again. `onSaved` listeners hear of each write that landed (a group's primary tells its
 * workers, a process on Redis tells the others: overlay-watch.ts), and `refresh()` reads what another wrote.
 */
import { OverlayStateError } from './errors.js';
import type { OverlayPersistence } from './overlay-persistence.js';
import { applyUserChange, mergeUsers, type MergedUsers, type OverlayUserRecord, type OverlayUserSpec, type UserChange } from './overlay-users.js';

export interface OverlayRecords {
  version: 1;
  users: Record<string, OverlayUserRecord>;
  /** API access rules, each with its position in the whole rule list (src/security/admission/acl.ts). */
  acl: unknown[];
  /** Run-time blocks (src/security/admission/blocks.ts). */
  blocks: unknown[];
}

function emptyRecords(): OverlayRecords {
  return { version: 1, users: {}, acl: [], blocks: [] };
}

function parseRecords(text: string): OverlayRecords {
  let parsed: Partial<OverlayRecords>;
  try {
    parsed = JSON.parse(text) as Partial<OverlayRecords>;
  } catch (err) {
    throw new OverlayStateError(`the run-time overlay is not valid JSON: ${(err as Error).message}`, { cause: err });
  }
  if (typeof parsed !== 'object' || parsed === null || parsed.version !== 1) throw new OverlayStateError('the run-time overlay has an unknown format (want version 1)');
  const users: Record<string, OverlayUserRecord> = {};
  for (const [name, record] of Object.entries(parsed.users ?? {})) users[name] = { ...record, retired: Array.isArray(record.retired) ? record.retired : [] };
  return { version: 1, users, acl: Array.isArray(parsed.acl) ? parsed.acl : [], blocks: Array.isArray(parsed.blocks) ? parsed.blocks : [] };
}

export class RuntimeOverlay {
  private records: OverlayRecords = emptyRecords();
  private pending: Promise<void> = Promise.resolve();
  private queued = false;
  private readonly savedListeners: (() => void)[] = [];

  private constructor(
    private readonly persistence: OverlayPersistence,
    private readonly now: () => number,
    private readonly onError: (err: Error) => void,
  ) {}

  /** Reads what an earlier run (or another process on the same Redis) saved; a bad overlay is an error, not a reset. */
  static async open(persistence: OverlayPersistence, options: { now?: () => number; onError?: (err: Error) => void } = {}): Promise<RuntimeOverlay> {
    const overlay = new RuntimeOverlay(persistence, options.now ?? Date.now, options.onError ?? (() => {}));
    await overlay.refresh();
    return overlay;
  }

  /** Re-reads the saved overlay (SIGHUP: another process on the same Redis may have changed it). */
  async refresh(): Promise<void> {
    await this.pending;
    let text: string | undefined;
    try {
      text = await this.persistence.read();
    } catch (err) {
      throw err instanceof OverlayStateError ? err : new OverlayStateError(`cannot read the run-time overlay: ${(err as Error).message}`, { cause: err });
    }
    this.records = text === undefined ? emptyRecords() : parseRecords(text);
  }

  /** The config's users with the run-time changes laid over them (precedence: overlay-users.ts). */
  mergeUsers<T extends OverlayUserSpec>(config: readonly T[]): MergedUsers<T> {
    return mergeUsers(config, this.records.users, this.now());
  }

  recordUser(change: UserChange): void {
    if (applyUserChange(this.records.users, change, this.now())) this.save();
  }

  get acl(): readonly unknown[] {
    return this.records.acl;
  }

  setAcl(rules: unknown[]): void {
    this.records.acl = rules;
    this.save();
  }

  get blocks(): readonly unknown[] {
    return this.records.blocks;
  }

  setBlocks(entries: unknown[]): void {
    this.records.blocks = entries;
    this.save();
  }

  /** Called after each write of the overlay that landed. */
  onSaved(listener: () => void): void {
    this.savedListeners.push(listener);
  }

  /** Resolves once every change made so far is written. */
  flush(): Promise<void> {
    return this.pending;
  }

  /** Queues one write of the whole overlay; a burst of changes (an anomaly flood of blocks) shares one write. */
  private save(): void {
    if (this.queued) return;
    this.queued = true;
    this.pending = this.pending
      .then(() => {
        this.queued = false;
        return this.persistence.write(JSON.stringify(this.records, null, 1) + '\n');
      })
      .then(() => {
        for (const listener of this.savedListeners) listener();
      })
      .catch((err: unknown) => this.onError(err instanceof Error ? err : new Error(String(err))));
  }
}
