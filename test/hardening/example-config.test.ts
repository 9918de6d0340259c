/**
 * The shipped example config (config/mtshield.example.toml) against the real schema (src/config/schema/,
 * one file per table, composed in its index.ts):
 *   1. the file as shipped parses and validates with the real loader;
 *   2. with every commented-out setting ("# key = …", "# [table]") switched on, it still validates, and it then
 *      names every key path the zod schemas define — so a key added to a schema without documentation fails;
 *   3. every key written uncommented that has a schema default carries exactly that default.
 * The file's convention: "##" starts an explanation, a single "# " a commented-out setting.
 */
import { readFileSync } from 'node:fs';
import { parse as parseToml } from 'smol-toml';
import { describe, expect, it } from 'vitest';
import type { z } from 'zod';
import { buildConfig, loadConfigFile, parseConfigText } from '../../src/config/load.js';
import { configSchema } from '../../src/config/schema/index.js';
import { packagePath } from '../../src/util/paths.js';

const EXAMPLE = packagePath('config', 'mtshield.example.toml');
const text = readFileSync(EXAMPLE, 'utf8');

type Node = z.ZodType & { _zod: { def: Record<string, any> } };

/** Peels wrappers (optional, default, prefault, pipe/transform input side) down to the structural type. */
function unwrap(node: Node): Node {
  for (;;) {
    const def = node._zod.def;
    switch (def.type) {
      case 'optional':
      case 'nullable':
      case 'default':
      case 'prefault':
      case 'readonly':
      case 'catch':
        node = def.innerType;
        continue;
      case 'pipe':
        node = def.in;
        continue;
      default:
        return node;
    }
  }
}

/** The object shapes reachable from a node: an object, or objects among a union's options. */
function objectShape(node: Node): Record<string, Node> | undefined {
  const inner = unwrap(node);
  const def = inner._zod.def;
  if (def.type === 'object') return def.shape as Record<string, Node>;
  return undefined;
}

/** Every key path the schema defines: tables and keys; records of tables as "*", arrays of tables as "[]". */
function schemaPaths(node: Node, prefix: string, out: Set<string>): Set<string> {
  const shape = objectShape(node);
  if (!shape) return out;
  for (const [key, child] of Object.entries(shape)) {
    const path = prefix ? `${prefix}.${key}` : key;
    out.add(path);
    const inner = unwrap(child);
    const def = inner._zod.def;
    if (def.type === 'object') schemaPaths(inner, path, out);
    else if (def.type === 'record' && objectShape(def.valueType)) schemaPaths(def.valueType, `${path}.*`, out);
    else if (def.type === 'array' && objectShape(def.element)) schemaPaths(def.element, `${path}[]`, out);
  }
  return out;
}

interface Leaf {
  path: string;
  value: unknown;
  node: Node;
}

/** Walks a decoded TOML value alongside the schema: every key path it names, and its leaves with their nodes. */
function filePaths(value: unknown, node: Node, prefix: string, paths: Set<string>, leaves: Leaf[]): void {
  const shape = objectShape(node);
  if (!shape || typeof value !== 'object' || value === null || Array.isArray(value)) return;
  for (const [key, child] of Object.entries(value as Record<string, unknown>)) {
    const path = prefix ? `${prefix}.${key}` : key;
    const childNode = shape[key];
    if (!childNode) throw new Error(`${path}: not in the schema`);
    paths.add(path);
    const def = unwrap(childNode)._zod.def;
    if (def.type === 'object') filePaths(child, childNode, path, paths, leaves);
    else if (def.type === 'record' && objectShape(def.valueType)) {
      for (const entry of Object.values(child as Record<string, unknown>)) {
        paths.add(`${path}.*`);
        filePaths(entry, def.valueType, `${path}.*`, paths, leaves);
      }
    } else if (def.type === 'array' && objectShape(def.element)) {
      for (const entry of child as unknown[]) {
        paths.add(`${path}[]`);
        filePaths(entry, def.element, `${path}[]`, paths, leaves);
      }
    } else leaves.push({ path, value: child, node: childNode });
  }
}

/** The example with every "# " setting switched on ("##" explanations stay comments). */
function uncommentAll(source: string): string {
  return source
    .split('\n')
    .map((line) => (/^# (?!#)/.test(line) ? line.slice(2) : line))
    .join('\n');
}

function collect(source: string): { paths: Set<string>; leaves: Leaf[] } {
  const paths = new Set<string>();
  const leaves: Leaf[] = [];
  filePaths(parseToml(source), configSchema as unknown as Node, '', paths, leaves);
  return { paths, leaves };
}

describe('config/mtshield.example.toml', () => {
  it('parses and validates with the real loader, as shipped', () => {
    const config = loadConfigFile(EXAMPLE);
    expect(config.users.map((u) => u.name)).toEqual(['alice']);
    // As shipped, only defaults and one user: the same as an empty file with that user.
    const minimal = buildConfig({ users: { alice: { secret: config.users[0]!.secret } } }, EXAMPLE);
    expect({ ...config, source: '' }).toEqual({ ...minimal, source: '' });
  });

  it('still validates with every commented-out setting switched on', () => {
    const full = parseConfigText(uncommentAll(text), 'example (all settings on)');
    expect(full.admin.tokens).toHaveLength(1);
    expect(full.security.access.rules).toHaveLength(1);
    expect(Object.keys(full.security.limits.users)).toEqual(['alice']);
  });

  it('names every key path the schemas define (commented or not)', () => {
    const wanted = schemaPaths(configSchema as unknown as Node, '', new Set());
    // Sanity: the walk reaches the nested fragments (admin, security, policy), not just the top.
    for (const path of ['server.listen', 'users.*.secret', 'admin.tokens[].sha256', 'admin.tls.passphrase', 'access.rules[].tz', 'limits.users.*.burst', 'policy.strong_auth.max_token_ttl']) {
      expect(wanted.has(path), path).toBe(true);
    }
    const { paths } = collect(uncommentAll(text));
    const missing = [...wanted].filter((path) => !paths.has(path));
    expect(missing, `keys the schema accepts but the example does not document`).toEqual([]);
  });

  it('writes each uncommented key with exactly the schema default', () => {
    const { leaves } = collect(text);
    let checked = 0;
    for (const leaf of leaves) {
      const fallback = leaf.node.safeParse(undefined);
      if (!fallback.success || fallback.data === undefined) continue; // required or optional: no default to compare
      const written = leaf.node.safeParse(leaf.value);
      expect(written.success, `${leaf.path} = ${JSON.stringify(leaf.value)} does not parse`).toBe(true);
      expect(written.data, `${leaf.path}: the example says ${JSON.stringify(leaf.value)}, the default is ${JSON.stringify(fallback.data)}`).toEqual(fallback.data);
      checked++;
    }
    expect(checked).toBeGreaterThan(60);
  });

  it('explains every key: each setting line follows a "##" explanation or a setting of the same block', () => {
    const lines = text.split('\n');
    const bare: string[] = [];
    for (let i = 0; i < lines.length; i++) {
      const line = lines[i]!;
      const setting = /^(# )?[A-Za-z0-9_"-]+\s*=/.test(line);
      if (!setting || line.includes(' # ')) continue;
      // Walk back over the block of settings to its explanation.
      let j = i - 1;
      while (j >= 0 && /^(# )?[A-Za-z0-9_"-]+\s*=/.test(lines[j]!)) j--;
      if (j < 0 || !lines[j]!.startsWith('##')) bare.push(`line ${i + 1}: ${line}`);
    }
    expect(bare).toEqual([]);
  });
});
