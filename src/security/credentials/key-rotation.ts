/**
 * rotate_encryption_keys() as a service: rotates on request (the admin API, the CLI) and on the key_rotation
 * policy's schedule (enforce rotates every user and writes the links file; monitor reports the rotation as due).
 * Each rotation is one `keys.rotated` event naming who asked for it; the event carries names, modes and times,
 * never a secret or a link (rotation.ts keeps those out).
 */
import type { Logger } from 'pino';
import { byFields, type ActionBy, type SecurityEventSink } from '../audit/reporter.js';
import type { Clock } from '../clock.js';
import type { PolicyStore } from '../policy/store.js';
import { rotateKeys, rotationSummary, writeRotationLinks, type RotatableUsers, type RotationOptions, type RotationResult } from './rotation.js';
import type { SessionManager } from './sessions.js';
import type { TokenStore } from './tokens.js';

export interface KeyRotationRequest extends RotationOptions, Partial<ActionBy> {
  /** Append the new links to `[security] rotation_links_file` (or stderr when none is set). */
  writeLinks?: boolean;
}

export interface KeyRotationDeps {
  tokens: TokenStore;
  sessions: SessionManager;
  policies: PolicyStore;
  clock: Clock;
  events: SecurityEventSink;
  logger?: Logger;
  /** Read at each rotation: the proxy's directory once attached, and the settings as last reloaded. */
  users(): RotatableUsers | undefined;
  settings(): { link?: { host: string; port: number }; linksFile?: string };
}

export class KeyRotation {
  private lastRotationAt: number;

  constructor(private readonly deps: KeyRotationDeps) {
    this.lastRotationAt = deps.clock.now();
  }

  rotate(request: KeyRotationRequest = {}): RotationResult {
    const { deps } = this;
    const { link, linksFile } = deps.settings();
    const result = rotateKeys({ users: deps.users(), tokens: deps.tokens, sessions: deps.sessions, now: deps.clock.now(), link }, request, deps.policies.rule('key_rotation').grace);
    if (request.writeLinks && result.users.length > 0) writeRotationLinks(linksFile, result);
    const by = byFields(request.actor === undefined ? undefined : { actor: request.actor, clientIp: request.clientIp });
    deps.events.emit({ type: 'keys.rotated', severity: 'medium', message: `rotated ${result.users.length} user secret(s) and ${result.tokens.length} token(s)`, details: { ...rotationSummary(result), ...by } });
    return result;
  }

  /** The key_rotation policy's schedule (the layer's timer calls it; tests call it after moving the clock). */
  runSchedule(): RotationResult | undefined {
    const { deps } = this;
    const rule = deps.policies.rule('key_rotation');
    const now = deps.clock.now();
    const users = deps.users();
    if (rule.mode === 'off' || now - this.lastRotationAt < rule.interval || !users) return undefined;
    this.lastRotationAt = now;
    if (rule.mode === 'monitor') {
      deps.events.emit({ type: 'keys.rotation_due', severity: 'low', message: `key rotation due for ${users.list().length} user(s) (key_rotation in monitor mode)` });
      return undefined;
    }
    const result = this.rotate({ users: 'all', actor: 'policy:key_rotation', writeLinks: true });
    deps.logger?.info({ users: result.users.map((u) => u.name), linksFile: deps.settings().linksFile }, 'scheduled key rotation done; new links written to the links file');
    return result;
  }
}
