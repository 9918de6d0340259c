/**
 * Access rules for proxy clients: allow or deny by address / subnet, globally or per user, optionally only in
 * a time window. Rules are checked in order and the first match decides; `[access] default` decides when none
 * matches. Global rules (no `user`) run at accept, before any byte is read; rules naming a user run when the
 * handshake identified that user. A rule in `monitor` mode only counts and reports what it would have done.
 * A rule added or removed at run time is one `acl.rule_added` / `acl.rule_removed` event naming who did it.
 *
 * API rules keep their place: each is remembered with its position in the whole list, kept in the run-time
 * overlay (src/state/overlay.ts) through `persistTo`, and put back at that position after a reload or restart
 * (config rules fill the other places in file order; a position past the end means the end). A rule added
 * without a position was appended, and stays after the config rules.
 */
import { randomUUID } from 'node:crypto';
import { accessRuleSchema, type AccessRuleConfig, type AccessRuleInput } from '../../config/index.js';
import { byFields, type ActionBy, type SecurityEventSink } from '../audit/reporter.js';
import type { Clock } from '../clock.js';
import { invalid, SecurityError } from '../errors.js';
import { CidrSet, lookupAddress, parseCidr } from './ip.js';
import { inWindow } from './time-window.js';

export interface AccessRule extends AccessRuleConfig {
  id: string;
  /** Where it came from: the config file (replaced on reload) or the API (kept across reloads). */
  source: 'config' | 'api';
}

interface CompiledRule {
  rule: AccessRule;
  /** undefined = any address. */
  cidrs?: CidrSet;
}

export interface AccessDecision {
  allow: boolean;
  /** The deciding rule (undefined when the default decided). */
  rule?: AccessRule;
  /** Monitor-mode rules that matched before the decision (what they would have done). */
  monitored: AccessRule[];
}

function compile(rule: AccessRule): CompiledRule {
  const list = rule.cidr === undefined ? [] : Array.isArray(rule.cidr) ? rule.cidr : [rule.cidr];
  if (list.length === 0) return { rule };
  return { rule, cidrs: new CidrSet(list.map((text, index) => parseCidr(text, Array.isArray(rule.cidr) ? `cidr.${index}` : 'cidr'))) };
}

/**
 * An API rule as the overlay keeps it: the rule and its place: its index in the whole list when last changed
 * (added with a `position`), or 'end' (added without one: it stays after the config rules, as appended).
 */
export type PersistedAccessRule = AccessRule & { position: number | 'end' };
type PlacedRule = { compiled: CompiledRule; position: number | 'end' };

/** Puts API rules back among the config rules: positioned ones at their index (in order), then the 'end' ones. */
function placeApiRules(config: CompiledRule[], api: PlacedRule[]): CompiledRule[] {
  const out = [...config];
  const positioned = api.filter((a): a is { compiled: CompiledRule; position: number } => a.position !== 'end');
  for (const { compiled, position } of positioned.sort((a, b) => a.position - b.position)) out.splice(Math.min(position, out.length), 0, compiled);
  for (const { compiled } of api) if (!positioned.some((p) => p.compiled === compiled)) out.push(compiled);
  return out;
}

export class AccessControl {
  private compiled: CompiledRule[] = [];
  private persist: ((rules: PersistedAccessRule[]) => void) | undefined;
  /** API rules added without a position: kept after the config rules across reloads. */
  private readonly appended = new Set<string>();

  constructor(
    private defaultAction: 'allow' | 'deny',
    rules: AccessRuleConfig[],
    private readonly clock: Clock,
    private readonly events?: SecurityEventSink,
  ) {
    this.replaceConfigRules(defaultAction, rules);
  }

  /** On reload: config rules are replaced, API rules stay at their positions. */
  replaceConfigRules(defaultAction: 'allow' | 'deny', rules: AccessRuleConfig[]): void {
    this.defaultAction = defaultAction;
    const api = this.placed();
    const fromConfig = rules.map((rule, index) => compile({ ...rule, id: `config-${index + 1}`, source: 'config' }));
    this.compiled = placeApiRules(fromConfig, api);
  }

  /**
   * Start, or another process changed them (a group's primary, another machine on Redis): the API rules become
   * the kept ones (invalid records are skipped and returned by count).
   */
  restoreApiRules(records: readonly unknown[]): number {
    const api: PlacedRule[] = [];
    this.appended.clear();
    let skipped = 0;
    for (const record of records) {
      const { id, position, source: _source, ...fields } = (record ?? {}) as Partial<PersistedAccessRule>;
      const parsed = accessRuleSchema.safeParse(fields);
      if (!parsed.success || typeof id !== 'string' || (typeof position !== 'number' && position !== 'end') || this.compiled.some((c) => c.rule.source !== 'api' && c.rule.id === id)) {
        skipped++;
        continue;
      }
      try {
        api.push({ compiled: compile({ ...parsed.data, id, source: 'api' }), position });
        if (position === 'end') this.appended.add(id);
      } catch {
        skipped++;
      }
    }
    this.compiled = placeApiRules(this.compiled.filter((c) => c.rule.source !== 'api'), api);
    return skipped;
  }

  /** Where each run-time change of the API rules is written (the run-time overlay). */
  persistTo(sink: ((rules: PersistedAccessRule[]) => void) | undefined): void {
    this.persist = sink;
  }

  private placed(): PlacedRule[] {
    return this.compiled.flatMap((compiled, index) =>
      compiled.rule.source === 'api' ? [{ compiled, position: this.appended.has(compiled.rule.id) ? ('end' as const) : index }] : [],
    );
  }

  private changed(): void {
    this.persist?.(this.placed().map(({ compiled, position }) => ({ ...compiled.rule, position })));
  }

  list(): AccessRule[] {
    return this.compiled.map((c) => ({ ...c.rule }));
  }

  get defaultDecision(): 'allow' | 'deny' {
    return this.defaultAction;
  }

  /** Validates (ERR_SECURITY_INVALID naming the field) and adds a rule at `position` (default: the end). */
  add(input: AccessRuleInput, position?: number, by?: ActionBy): AccessRule {
    const parsed = accessRuleSchema.safeParse(input);
    if (!parsed.success) {
      const issue = parsed.error.issues[0]!;
      throw invalid(issue.path.join('.') || 'rule', issue.message);
    }
    const compiled = compile({ ...parsed.data, id: randomUUID(), source: 'api' });
    const at = position === undefined ? this.compiled.length : Math.max(0, Math.min(position, this.compiled.length));
    this.compiled.splice(at, 0, compiled);
    if (position === undefined) this.appended.add(compiled.rule.id);
    this.changed();
    const added = { ...compiled.rule };
    this.events?.emit({ type: 'acl.rule_added', severity: 'medium', message: `access rule ${added.name ?? added.id} added: ${added.action}`, user: added.user, details: { ...byFields(by), rule: added } });
    return added;
  }

  remove(id: string, by?: ActionBy): void {
    const index = this.compiled.findIndex((c) => c.rule.id === id);
    if (index < 0) throw new SecurityError('ERR_SECURITY_NOT_FOUND', `no access rule "${id}"`, { field: 'id' });
    this.compiled.splice(index, 1);
    this.appended.delete(id);
    this.changed();
    this.events?.emit({ type: 'acl.rule_removed', severity: 'medium', message: `access rule ${id} removed`, details: { ...byFields(by), id } });
  }

  /** At accept: global rules only. */
  checkAddress(ip: string): AccessDecision {
    return this.evaluate(ip, undefined);
  }

  /** At identification: the rules naming this user (global ones already ran at accept). */
  checkUser(ip: string, user: string): AccessDecision {
    return this.evaluate(ip, user);
  }

  private evaluate(ip: string, user: string | undefined): AccessDecision {
    const now = this.clock.now();
    const monitored: AccessRule[] = [];
    const address = lookupAddress(ip);
    for (const { rule, cidrs } of this.compiled) {
      if (user === undefined ? rule.user !== undefined : rule.user !== user) continue;
      if (cidrs && (!address || !cidrs.has(address))) continue;
      if (!inWindow(rule, now)) continue;
      if (rule.mode === 'monitor') {
        monitored.push(rule);
        continue;
      }
      return { allow: rule.action === 'allow', rule, monitored };
    }
    // The default applies to addresses at accept; a user with no rule of its own is allowed (it passed accept).
    return { allow: user === undefined ? this.defaultAction === 'allow' : true, monitored };
  }
}
