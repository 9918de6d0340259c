/**
 * The state store: a small key-value interface shared state goes through (replay cache, blocks, rate limits,
 * sessions), so one process uses memory and a fleet uses Redis without the callers changing.
 * Keys are plain strings; implementations add their own prefix. TTLs are milliseconds; 0 / undefined = none.
 */
export interface StateStore {
  /** 'ipc': a worker's view of the store the primary holds (src/state/ipc.ts). */
  readonly kind: 'memory' | 'redis' | 'ipc';
  get(key: string): Promise<string | undefined>;
  set(key: string, value: string, ttlMs?: number): Promise<void>;
  /** Sets only when absent; true when this call set it (the replay cache's "first seen"). */
  setIfAbsent(key: string, value: string, ttlMs?: number): Promise<boolean>;
  del(key: string): Promise<void>;
  /** Adds `by` (default 1) and returns the new value; a TTL given applies when the key is created. */
  incr(key: string, by?: number, ttlMs?: number): Promise<number>;
  /** Set operations; `ttlMs` (when given) refreshes the whole set's expiry. */
  sadd(key: string, member: string, ttlMs?: number): Promise<boolean>;
  srem(key: string, member: string): Promise<boolean>;
  smembers(key: string): Promise<string[]>;
  scard(key: string): Promise<number>;
  close(): Promise<void>;
}
