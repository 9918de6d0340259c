/**
 * The versioned policy store behind `set_security_policy` / `enforce_security_policy`.
 *   set(document)   validates (ERR_SECURITY_INVALID naming the field), gives it the next version, audits it,
 *                   and (unless `enforce: false`) makes it active at once;
 *   enforce(v?)     makes the latest staged version — or any version in the history — the active one.
 * Version 1 is the config file's [policy]; a reload (SIGHUP) sets the file's document as a new version.
 * Readers call `mode(rule)` / `rule(name)` on every decision, so a change applies to the next connection.
 * Each set is one `policy.set` event and each enforce one `policy.enforced` event, naming who did it.
 */
import { byFields, type ActionBy, type SecurityEventSink } from '../audit/reporter.js';
import type { Clock } from '../clock.js';
import { invalid } from '../errors.js';
import { policyRulesInputSchema, type PolicyMode, type PolicyRuleName, type PolicyRules, type PolicyRulesInput } from '../../config/index.js';

export interface PolicyVersion {
  version: number;
  /** The document as given (units as text), what GET returns and a client may post back. */
  document: PolicyRulesInput;
  /** Parsed: defaults filled in, durations in milliseconds. */
  rules: PolicyRules;
  createdAt: number;
  actor: string;
}

export function parsePolicyDocument(document: unknown): PolicyRules {
  const parsed = policyRulesInputSchema.safeParse(document ?? {});
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const path = issue.path.join('.');
    throw invalid(path ? `rules.${path}` : 'rules', issue.message);
  }
  return parsed.data;
}

const DURATION_FIELDS = new Set(['max_token_ttl', 'max_session_ttl', 'block_ttl', 'interval', 'grace']);

/** Parsed rules back to a document a client can post again (durations as "<n>ms", which parse back exactly). */
export function policyDocumentOf(rules: PolicyRules): PolicyRulesInput {
  const out: Record<string, Record<string, unknown>> = {};
  for (const [name, rule] of Object.entries(rules)) {
    out[name] = Object.fromEntries(
      Object.entries(rule).map(([key, value]) => [key, DURATION_FIELDS.has(key) && typeof value === 'number' ? `${value}ms` : Array.isArray(value) ? [...value] : value]),
    );
  }
  return out as PolicyRulesInput;
}

export interface PolicySetOptions {
  actor?: string;
  /** The admin client's address, for the audit line. */
  clientIp?: string;
  /** false: store the version without making it active. */
  enforce?: boolean;
}

function modes(rules: PolicyRules): Record<string, string> {
  return Object.fromEntries(Object.entries(rules).map(([name, rule]) => [name, rule.mode]));
}

export class PolicyStore {
  private readonly versions: PolicyVersion[] = [];
  private activeIndex = 0;
  private readonly listeners: ((active: PolicyVersion, previous: PolicyVersion | undefined) => void)[] = [];

  /** `initial`: the config's [policy] as the config schema parsed it (durations already in ms). */
  constructor(
    initial: PolicyRules | undefined,
    private readonly clock: Clock,
    private readonly events?: SecurityEventSink,
    private readonly keep = 50,
  ) {
    const rules = initial ?? parsePolicyDocument({});
    this.versions.push({ version: 1, document: policyDocumentOf(rules), rules, createdAt: clock.now(), actor: 'config' });
  }

  /** Called when a version becomes active. */
  onChange(listener: (active: PolicyVersion, previous: PolicyVersion | undefined) => void): void {
    this.listeners.push(listener);
  }

  active(): PolicyVersion {
    return this.versions[this.activeIndex]!;
  }

  get rules(): PolicyRules {
    return this.active().rules;
  }

  mode(rule: PolicyRuleName): PolicyMode {
    return this.active().rules[rule].mode;
  }

  rule<N extends PolicyRuleName>(name: N): PolicyRules[N] {
    return this.active().rules[name];
  }

  history(): PolicyVersion[] {
    return this.versions.map((v) => ({ ...v }));
  }

  /** Validates and stores a new version; enforces it too unless `enforce: false`. */
  set(document: unknown, options: PolicySetOptions = {}): PolicyVersion {
    return this.store(parsePolicyDocument(document), structuredClone(document ?? {}) as PolicyRulesInput, options);
  }

  /** Stores rules parsed elsewhere (the config schema on SIGHUP). */
  setRules(rules: PolicyRules, options: PolicySetOptions = {}): PolicyVersion {
    return this.store(rules, policyDocumentOf(rules), options);
  }

  private store(rules: PolicyRules, document: PolicyRulesInput, options: PolicySetOptions): PolicyVersion {
    const last = this.versions.at(-1)!;
    const entry: PolicyVersion = {
      version: last.version + 1,
      document,
      rules,
      createdAt: this.clock.now(),
      actor: options.actor ?? 'system',
    };
    this.versions.push(entry);
    // Trim the oldest versions but never the active one: dropping it would make whatever version slid into its
    // index active (a staged one included) with no policy.enforced entry.
    while (this.versions.length > this.keep) {
      const oldest = this.activeIndex === 0 ? 1 : 0;
      this.versions.splice(oldest, 1);
      if (oldest < this.activeIndex) this.activeIndex--;
    }
    const by = byFields({ actor: entry.actor, clientIp: options.clientIp });
    const staged = options.enforce === false ? ' (staged)' : '';
    this.events?.emit({ type: 'policy.set', severity: 'medium', message: `policy version ${entry.version} stored by ${entry.actor}${staged}`, details: { ...by, version: entry.version, modes: modes(rules), document } });
    if (options.enforce !== false) this.enforce(entry.version, by);
    return { ...entry };
  }

  /** Activates `version` (default: the newest). */
  enforce(version?: number, by?: ActionBy): PolicyVersion {
    const index = version === undefined ? this.versions.length - 1 : this.versions.findIndex((v) => v.version === version);
    if (index < 0) throw invalid('version', `no policy version ${version} (kept: ${this.versions.map((v) => v.version).join(', ')})`);
    const previous = this.active();
    this.activeIndex = index;
    const active = this.active();
    const was = active === previous ? 'already active' : `was ${previous.version}`;
    this.events?.emit({ type: 'policy.enforced', severity: 'medium', message: `policy version ${active.version} active (${was})`, details: { ...byFields(by), version: active.version, previous: previous.version, modes: modes(active.rules) } });
    if (active !== previous) for (const listener of this.listeners) listener(active, previous);
    return { ...active };
  }
}
