/**
 * Redis StateStore on node-redis (`redis` 5). Shared by a fleet: every process sees the same replay keys,
 * blocks, counters and sets. TTLs are set atomically with the write (SET PX, MULTI INCRBY + PEXPIRE NX).
 * `client` is exposed so rate-limiter-flexible's RateLimiterRedis can share the connection.
 *
 * Outages: while Redis is unreachable every command fails at once with StateUnavailableError
 * (ERR_STATE_UNAVAILABLE) — the offline queue is off, so a handshake never waits behind a reconnect — and the
 * client reconnects in the background (backoff up to 2 s); once Redis is back, commands work again with no
 * action from the caller. Keys held only in a restarted Redis without persistence are gone (the replay window
 * and runtime blocks restart empty there; blocks are reloaded from wherever they persist).
 */
import { createClient } from 'redis';
import { MtShieldError } from '../errors.js';
import type { StateStore } from './store.js';
import { StateUnavailableError } from './errors.js';

/** The URL without its password, for messages. */
function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    return parsed.toString();
  } catch {
    return 'redis://…';
  }
}

export type RedisClient = ReturnType<typeof createClient>;

export class RedisStateStore implements StateStore {
  readonly kind = 'redis' as const;

  private constructor(
    readonly client: RedisClient,
    /** Prepended to every key (other users of `client`, such as the user leases, use it too). */
    readonly prefix: string,
  ) {}

  /**
   * Connects, failing fast (a few tries) when Redis is not there at start; once connected, a lost connection
   * is retried with backoff, without end, while commands fail with ERR_STATE_UNAVAILABLE (callers treat a store
   * error as "no answer" and fail open).
   */
  static async connect(url: string, prefix = 'mtshield:'): Promise<RedisStateStore> {
    let connected = false;
    const client = createClient({
      url,
      disableOfflineQueue: true,
      socket: {
        connectTimeout: 2000,
        // Before the first connection: give up after a few tries (a wrong URL fails the start). After it: keep
        // trying for as long as the process runs, so an outage of any length ends when Redis is back.
        reconnectStrategy: (retries) => (!connected && retries >= 2 ? false : Math.min(50 + retries * 100, 2000)),
      },
    });
    client.on('error', () => {
      // Errors surface through the rejected commands; the listener keeps them from being unhandled.
    });
    try {
      await client.connect();
    } catch (err) {
      throw new MtShieldError('ERR_SECURITY_STATE', `cannot connect to Redis at ${redactUrl(url)}: ${(err as Error).message}`, { cause: err });
    }
    connected = true;
    return new RedisStateStore(client, prefix);
  }

  /** Runs one command; any failure (connection, reply) becomes a StateUnavailableError naming the operation. */
  private async run<T>(operation: string, command: () => Promise<T>): Promise<T> {
    try {
      return await command();
    } catch (error) {
      throw new StateUnavailableError(operation, { cause: error });
    }
  }

  private k(key: string): string {
    return this.prefix + key;
  }

  async get(key: string): Promise<string | undefined> {
    return this.run('get', async () => {
      const value = await this.client.get(this.k(key));
      return value ?? undefined;
    });
  }

  async set(key: string, value: string, ttlMs?: number): Promise<void> {
    return this.run('set', async () => {
      if (ttlMs && ttlMs > 0) await this.client.set(this.k(key), value, { expiration: { type: 'PX', value: Math.ceil(ttlMs) } });
      else await this.client.set(this.k(key), value);
    });
  }

  async setIfAbsent(key: string, value: string, ttlMs?: number): Promise<boolean> {
    return this.run('setIfAbsent', async () => {
      const reply =
        ttlMs && ttlMs > 0
          ? await this.client.set(this.k(key), value, { condition: 'NX', expiration: { type: 'PX', value: Math.ceil(ttlMs) } })
          : await this.client.set(this.k(key), value, { condition: 'NX' });
      return reply === 'OK';
    });
  }

  async del(key: string): Promise<void> {
    return this.run('del', async () => {
      await this.client.del(this.k(key));
    });
  }

  async incr(key: string, by = 1, ttlMs?: number): Promise<number> {
    return this.run('incr', async () => {
      const multi = this.client.multi().incrBy(this.k(key), by);
      if (ttlMs && ttlMs > 0) multi.pExpire(this.k(key), Math.ceil(ttlMs), 'NX');
      const [value] = await multi.exec();
      return Number(value);
    });
  }

  async sadd(key: string, member: string, ttlMs?: number): Promise<boolean> {
    return this.run('sadd', async () => {
      const multi = this.client.multi().sAdd(this.k(key), member);
      if (ttlMs && ttlMs > 0) multi.pExpire(this.k(key), Math.ceil(ttlMs));
      const [added] = await multi.exec();
      return Number(added) === 1;
    });
  }

  async srem(key: string, member: string): Promise<boolean> {
    return this.run('srem', async () => {
      return (await this.client.sRem(this.k(key), member)) === 1;
    });
  }

  async smembers(key: string): Promise<string[]> {
    return this.run('smembers', async () => {
      return this.client.sMembers(this.k(key));
    });
  }

  async scard(key: string): Promise<number> {
    return this.run('scard', async () => {
      return this.client.sCard(this.k(key));
    });
  }

  async close(): Promise<void> {
    if (this.client.isOpen) await this.client.quit();
  }
}
