/**
 * The messages of the worker → primary state protocol: a request names one StateStore operation and its
 * arguments, and carries an id the answer repeats (answers may come out of order). Argument checks live here so
 * the primary refuses a malformed request instead of passing it to its store.
 */
export const STATE_TAG = 'state';

/** The StateStore operations, and the user-lease operations (user-leases.ts) the primary answers per worker. */
export type StateOp = 'get' | 'set' | 'setIfAbsent' | 'del' | 'incr' | 'sadd' | 'srem' | 'smembers' | 'scard' | LeaseOp;
export type LeaseOp = 'leaseAcquire' | 'leaseRelease';

export function isLeaseOp(op: StateOp): op is LeaseOp {
  return op === 'leaseAcquire' || op === 'leaseRelease';
}

export interface StateRequest {
  mtshield: typeof STATE_TAG;
  id: number;
  op: StateOp;
  args: unknown[];
}

export type StateReply =
  | { mtshield: typeof STATE_TAG; id: number; ok: true; value: unknown }
  | { mtshield: typeof STATE_TAG; id: number; ok: false; error: string };

const MAX_KEY = 1024;
const MAX_VALUE = 64 * 1024;

const isKey = (v: unknown): boolean => typeof v === 'string' && v.length > 0 && v.length <= MAX_KEY;
const isValue = (v: unknown): boolean => typeof v === 'string' && v.length <= MAX_VALUE;
const isOptionalNumber = (v: unknown): boolean => v === undefined || v === null || (typeof v === 'number' && Number.isFinite(v));
const isAddress = (v: unknown): boolean => typeof v === 'string' && v.length > 0 && v.length <= 64;
const isLimits = (v: unknown): boolean =>
  typeof v === 'object' && v !== null && isOptionalNumber((v as Record<string, unknown>).maxConnections) && isOptionalNumber((v as Record<string, unknown>).maxIps);

/** Per operation: how its arguments are checked (key first, then the rest). */
const SHAPES: Record<StateOp, (args: unknown[]) => boolean> = {
  get: (a) => isKey(a[0]),
  del: (a) => isKey(a[0]),
  smembers: (a) => isKey(a[0]),
  scard: (a) => isKey(a[0]),
  set: (a) => isKey(a[0]) && isValue(a[1]) && isOptionalNumber(a[2]),
  setIfAbsent: (a) => isKey(a[0]) && isValue(a[1]) && isOptionalNumber(a[2]),
  sadd: (a) => isKey(a[0]) && isValue(a[1]) && isOptionalNumber(a[2]),
  srem: (a) => isKey(a[0]) && isValue(a[1]),
  incr: (a) => isKey(a[0]) && isOptionalNumber(a[1]) && isOptionalNumber(a[2]),
  leaseAcquire: (a) => isKey(a[0]) && isAddress(a[1]) && isLimits(a[2]),
  leaseRelease: (a) => isKey(a[0]) && isAddress(a[1]),
};

/** A request whose operation is known and whose arguments have the right types and sizes. */
export function isValidStateRequest(message: StateRequest): boolean {
  return Number.isSafeInteger(message.id) && Object.hasOwn(SHAPES, message.op) && Array.isArray(message.args) && message.args.length <= 3 && SHAPES[message.op](message.args);
}
