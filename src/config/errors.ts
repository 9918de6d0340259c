/** Typed config errors: every message names the key path and the problem. */
import { MtShieldError } from '../errors.js';

export type ConfigErrorCode =
  | 'ERR_CONFIG_READ' // the file cannot be read
  | 'ERR_CONFIG_SYNTAX' // not valid TOML
  | 'ERR_CONFIG_INVALID' // valid TOML, but a key has a wrong value, type or name
  | 'ERR_CONFIG_STATE'; // the state directory or a state file cannot be used

export interface ConfigIssue {
  /** Dotted key path, e.g. `users.alice.quota`. */
  path: string;
  message: string;
}

export class ConfigError extends MtShieldError {
  readonly issues: ConfigIssue[];

  constructor(code: ConfigErrorCode, message: string, issues: ConfigIssue[] = [], options?: { cause?: unknown }) {
    super(code, message, options);
    this.issues = issues;
  }
}
