/**
 * Per-user byte counts that survive restarts (quotas): <state_dir>/usage.json, written atomically
 * (temp file + rename) when dirty, by the server's sweep and on stop.
 *
 *   { "version": 1, "users": { "alice": 123456789, … } }
 */
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { MtShieldError } from '../errors.js';

export interface UsageStore {
  get(user: string): number;
  add(user: string, bytes: number): number;
  reset(user: string): void;
  flush(): void;
}

/** In memory only (tests, or no state dir). */
export class MemoryUsageStore implements UsageStore {
  protected readonly used = new Map<string, number>();
  protected dirty = false;

  get(user: string): number {
    return this.used.get(user) ?? 0;
  }

  add(user: string, bytes: number): number {
    const total = (this.used.get(user) ?? 0) + bytes;
    this.used.set(user, total);
    this.dirty = true;
    return total;
  }

  reset(user: string): void {
    this.used.delete(user);
    this.dirty = true;
  }

  flush(): void {
    this.dirty = false;
  }

  /** Every user's count (a group's primary seeds the shared store from the file: src/state/usage-file.ts). */
  entries(): IterableIterator<[string, number]> {
    return this.used.entries();
  }

  /** Sets a user's count to a total kept elsewhere (the shared store), marking the file dirty when it changed. */
  setTotal(user: string, bytes: number): void {
    if (this.used.get(user) === bytes) return;
    this.used.set(user, bytes);
    this.dirty = true;
  }
}

export class FileUsageStore extends MemoryUsageStore {
  readonly file: string;

  constructor(stateDir: string) {
    super();
    this.file = join(stateDir, 'usage.json');
    let text: string | undefined;
    try {
      text = readFileSync(this.file, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') {
        throw new MtShieldError('ERR_PROXY_STATE', `cannot read ${this.file}: ${(err as Error).message}`);
      }
    }
    if (text !== undefined) {
      try {
        const saved = JSON.parse(text) as { users?: Record<string, unknown> };
        for (const [user, bytes] of Object.entries(saved.users ?? {})) {
          if (typeof bytes === 'number' && Number.isFinite(bytes) && bytes >= 0) this.used.set(user, bytes);
        }
      } catch (err) {
        throw new MtShieldError('ERR_PROXY_STATE', `${this.file} is not valid JSON: ${(err as Error).message}`);
      }
    }
  }

  override flush(): void {
    if (!this.dirty) return;
    this.dirty = false;
    const users: Record<string, number> = {};
    for (const [user, bytes] of this.used) users[user] = bytes;
    const temp = `${this.file}.${process.pid}.tmp`;
    mkdirSync(join(this.file, '..'), { recursive: true, mode: 0o700 });
    writeFileSync(temp, JSON.stringify({ version: 1, users }) + '\n', { mode: 0o600 });
    renameSync(temp, this.file);
  }
}
