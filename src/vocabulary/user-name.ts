/**
 * The user-name rule, the same for the config file, the proxy's user directory and the admin API:
 * 1–64 characters of A-Z a-z 0-9 _ . - (safe in log lines, metric labels, file names and URLs).
 */
export const USER_NAME_PATTERN = /^[A-Za-z0-9_.-]{1,64}$/;
export const USER_NAME_RULE = 'user names are 1–64 of A-Z a-z 0-9 _ . -';

export function isUserName(value: string): boolean {
  return USER_NAME_PATTERN.test(value);
}
