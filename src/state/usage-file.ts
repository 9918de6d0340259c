/**
 * The group's byte counts kept across restarts when the primary holds the shared state (memory backend): at
 * start the primary copies <state_dir>/usage.json (src/proxy/usage-store.ts) into the shared store, and every
 * `intervalMs` and at stop copies the shared totals (shared-usage.ts keys) back into the file. With Redis the
 * counts live in Redis and no file is kept.
 */
import { FileUsageStore } from '../proxy/usage-store.js';
import { USAGE_PREFIX, USAGE_USERS } from './shared-usage.js';
import type { StateStore } from './store.js';

export class UsageFileKeeper {
  private readonly timer: NodeJS.Timeout;

  private constructor(
    private readonly store: StateStore,
    private readonly file: FileUsageStore,
    intervalMs: number,
    private readonly onError: (error: unknown) => void,
  ) {
    this.timer = setInterval(() => void this.save().catch(onError), intervalMs);
    this.timer.unref();
  }

  static async start(store: StateStore, stateDir: string, options: { intervalMs?: number; onError?: (error: unknown) => void } = {}): Promise<UsageFileKeeper> {
    const file = new FileUsageStore(stateDir);
    for (const [user, bytes] of file.entries()) {
      await store.set(USAGE_PREFIX + user, String(bytes));
      await store.sadd(USAGE_USERS, user);
    }
    return new UsageFileKeeper(store, file, options.intervalMs ?? 5_000, options.onError ?? (() => {}));
  }

  /** Copies the shared totals into the file (written only when one changed). */
  async save(): Promise<void> {
    for (const user of await this.store.smembers(USAGE_USERS)) {
      const text = await this.store.get(USAGE_PREFIX + user);
      this.file.setTotal(user, Number(text ?? 0) || 0);
    }
    this.file.flush();
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    await this.save().catch(this.onError);
  }
}
