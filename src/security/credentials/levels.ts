/**
 * Access levels, ordered: NONE < READ_ONLY < STANDARD < ADMIN < SUPERUSER.
 *   proxy users need STANDARD to connect (NONE disables a user);
 *   admin tokens need READ_ONLY to read, ADMIN to change users / blocks / limits,
 *   SUPERUSER to change policies, rotate keys and swap kernels.
 */
import { SecurityError } from '../errors.js';

export enum AccessLevel {
  NONE = 0,
  READ_ONLY = 1,
  STANDARD = 2,
  ADMIN = 3,
  SUPERUSER = 4,
}

export type LevelName = 'none' | 'read_only' | 'standard' | 'admin' | 'superuser';

const BY_NAME: Record<LevelName, AccessLevel> = {
  none: AccessLevel.NONE,
  read_only: AccessLevel.READ_ONLY,
  standard: AccessLevel.STANDARD,
  admin: AccessLevel.ADMIN,
  superuser: AccessLevel.SUPERUSER,
};

export function parseLevel(text: string): AccessLevel {
  const level = BY_NAME[text.toLowerCase().replace('-', '_') as LevelName];
  if (level === undefined) {
    throw new SecurityError('ERR_SECURITY_LEVEL', `unknown access level "${text}" (none | read_only | standard | admin | superuser)`);
  }
  return level;
}

export function levelName(level: AccessLevel): LevelName {
  return (Object.keys(BY_NAME) as LevelName[]).find((name) => BY_NAME[name] === level) ?? 'none';
}

/** True when `actual` is at least `required`. */
export function hasLevel(actual: AccessLevel, required: AccessLevel): boolean {
  return actual >= required;
}

/** Throws ERR_SECURITY_FORBIDDEN (the admin plane maps it to 403) when `actual` is below `required`. */
export function requireLevel(actual: AccessLevel, required: AccessLevel): void {
  if (!hasLevel(actual, required)) {
    throw new SecurityError('ERR_SECURITY_FORBIDDEN', `needs ${levelName(required)}, have ${levelName(actual)}`);
  }
}
