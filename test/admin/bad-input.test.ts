/**
 * Bad input on every body-taking API route: malformed JSON, wrong types, unknown fields, oversized bodies
 * (declared and chunked) → 400 naming the field, and the state the route would change stays as it was.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHarness, type Harness } from './helpers.js';

let h: Harness;
beforeAll(async () => {
  h = await startHarness({ withProxy: true, admin: { max_body: '4KiB' }, config: { security: { auth_failures_per_minute: 100_000 } } });
}, 20_000);
afterAll(async () => h?.close());

/** Everything a body route could change, as one comparable value. */
function snapshot() {
  return JSON.stringify({
    users: h.proxy!.users.list().map((u) => [u.name, u.secret, u.maxConnections, u.graceUntil.length]),
    blocks: h.security.blocks.list().map((b) => b.cidr),
    acl: h.security.acl.list().map((r) => r.id),
    policy: h.security.policies.active().version,
    sessions: h.security.sessions.list().length,
    tokens: h.security.tokens.list().length,
  });
}

interface BodyRoute {
  method: string;
  path: string;
  /** A body of the right shape with one field of the wrong type, and the field the 400 must name. */
  wrongType: [unknown, string];
  /** A required field missing, when the route has one. */
  missing?: [unknown, string];
  /** A body that would pass (it gets an unknown field added). */
  valid: object;
}

const routes: BodyRoute[] = [
  { method: 'POST', path: '/api/v1/users', valid: { name: 'zed', mode: 'dd' }, wrongType: [{ name: 'zed', max_connections: 'many' }, 'max_connections'], missing: [{ mode: 'dd' }, 'name'] },
  { method: 'POST', path: '/api/v1/users/alice/rotate', valid: {}, wrongType: [{ grace: true }, 'grace'] },
  { method: 'POST', path: '/api/v1/blocks', valid: { ip: '203.0.113.9', reason: 'x' }, wrongType: [{ ip: 42, reason: 'x' }, 'ip'], missing: [{ ip: '203.0.113.9' }, 'reason'] },
  { method: 'POST', path: '/api/v1/acl', valid: { action: 'deny', cidr: '192.0.2.0/24' }, wrongType: [{ action: 'deny', cidr: 7 }, 'cidr'], missing: [{ cidr: '192.0.2.0/24' }, 'action'] },
  { method: 'PUT', path: '/api/v1/policies', valid: { rules: {} }, wrongType: [{ rules: 'strict' }, 'rules'], missing: [{ enforce: true }, 'rules'] },
  { method: 'POST', path: '/api/v1/policies/enforce', valid: {}, wrongType: [{ version: 'latest' }, 'version'] },
  { method: 'POST', path: '/api/v1/sessions', valid: {}, wrongType: [{ ttl: [1] }, 'ttl'] },
  { method: 'POST', path: '/api/v1/tokens', valid: { name: 'n1', level: 'admin' }, wrongType: [{ name: 'n', level: 5 }, 'level'], missing: [{ level: 'admin' }, 'name'] },
  { method: 'POST', path: '/api/v1/audit/run', valid: {}, wrongType: [{ full: true }, 'full'] },
  { method: 'POST', path: '/api/v1/keys/rotate', valid: {}, wrongType: [{ users: 'alice' }, 'users'] },
  { method: 'POST', path: '/api/v1/kernels/swap', valid: { path: '/x.wasm' }, wrongType: [{ path: 1 }, 'path'], missing: [{}, 'path'] },
];

describe('bad bodies on every API route → 400 naming the field, nothing changed', () => {
  for (const route of routes) {
    it(`${route.method} ${route.path}`, async () => {
      const token = h.tokens.superuser;
      const before = snapshot();
      const attempts: [string, unknown, string, { chunked?: boolean }?][] = [
        ['malformed JSON', '{"name": ', 'body'],
        ['not an object', '[1,2,3]', 'body'],
        ['wrong type', route.wrongType[0], route.wrongType[1]],
        ['unknown field', { ...route.valid, sneaky: 1 }, 'sneaky'],
        ['oversized (declared)', Buffer.alloc(6 * 1024, 0x20), 'body'],
        ['oversized (chunked)', Buffer.alloc(6 * 1024, 0x20), 'body', { chunked: true }],
      ];
      if (route.missing) attempts.push(['missing field', route.missing[0], route.missing[1]]);
      for (const [label, body, field, extra] of attempts) {
        const res = await h.call(route.method, route.path, { token, body, ...extra });
        expect({ label, status: res.status }).toEqual({ label, status: 400 });
        expect({ label, field: res.json?.field }).toEqual({ label, field });
        expect(snapshot()).toBe(before);
      }
    });
  }

  it('DELETE /api/v1/blocks/{ip} with a non-address → 400 naming ip; GET /api/v1/audit?limit=x → 400', async () => {
    const res = await h.call('DELETE', '/api/v1/blocks/not-an-ip', { token: h.tokens.admin });
    expect([res.status, res.json.field]).toEqual([400, 'ip']);
    const audit = await h.call('GET', '/api/v1/audit?limit=zero', { token: h.tokens.read_only });
    expect([audit.status, audit.json.field]).toEqual([400, 'limit']);
  });

  it('a block with a bad address or TTL is refused with its field named', async () => {
    const before = snapshot();
    for (const [body, field] of [
      [{ ip: '300.1.2.3', reason: 'x' }, 'ip'],
      [{ ip: '203.0.113.0/33', reason: 'x' }, 'ip'],
      [{ ip: '203.0.113.1', reason: 'x', ttl: 'soon' }, 'ttl'],
      [{ ip: '203.0.113.1', reason: '' }, 'reason'],
    ] as const) {
      const res = await h.call('POST', '/api/v1/blocks', { token: h.tokens.admin, body });
      expect([res.status, res.json.field]).toEqual([400, field]);
    }
    expect(snapshot()).toBe(before);
  });

  it('a policy with a bad rule is refused naming the rule path, and the active version stays', async () => {
    const before = snapshot();
    const res = await h.call('PUT', '/api/v1/policies', { token: h.tokens.superuser, body: { rules: { geo: { mode: 'always' } } } });
    expect(res.status).toBe(400);
    expect(res.json.field).toMatch(/geo\.mode/);
    expect(snapshot()).toBe(before);
  });
});
