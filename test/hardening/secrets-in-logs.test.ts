/**
 * No secret, key, token, token hash or session id in any log line or audit entry. Runs real traffic through
 * the assembled process (src/app.ts) with its pino logs captured at trace level and the audit file on disk:
 * mtcute clients with plain, dd and ee secrets (configured in hex and in base64url), admin token use (good,
 * wrong, sessions, a token created at run time), users added and rotated through the API,
 * rotate_encryption_keys, a config reload that adds and removes users, failed handshakes (wrong secret, wrong
 * HMAC, a replay) and a fronted connection. Then every captured line is searched for every form of every
 * secret value seen during the run.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildClientHello } from '../../src/protocol/faketls.js';
import { buildClientHeader } from '../../src/protocol/obfuscated2.js';
import { formatSecret, generateSecret, parseSecret, secretBytes } from '../../src/protocol/secrets.js';
import { hashToken } from '../../src/security/credentials/tokens.js';
import { call } from '../admin/helpers.js';
import { mtcuteClient } from '../helpers/clients.js';
import { connectTo } from '../helpers/net.js';
import { testConfig } from '../helpers/proxy.js';
import { FAKE_TLS_DOMAIN, outcomeOf, startStack, type Stack } from './stack.js';

const lines: string[] = [];
const capture = new Writable({
  write(chunk: Buffer, _encoding, done) {
    for (const line of chunk.toString('utf8').split('\n')) if (line) lines.push(line);
    done();
  },
});

const auditDir = mkdtempSync(join(tmpdir(), 'mtshield-audit-'));
const auditFile = join(auditDir, 'audit.jsonl');
const linksFile = join(auditDir, 'rotated-links.txt');
/** Every secret value that passed through the process during the run, in the text forms it was used in. */
const secrets = new Set<string>();
let stack: Stack;

/** Text forms of a proxy secret: as written, hex and base64url of the whole secret, and of the bare key. */
function addSecret(text: string): void {
  const parsed = parseSecret(text);
  const whole = Buffer.from(secretBytes(parsed));
  const key = Buffer.from(parsed.key);
  for (const form of [text, formatSecret(parsed, 'hex'), formatSecret(parsed, 'base64url'), whole.toString('hex'), whole.toString('base64url'), whole.toString('base64'), key.toString('hex'), key.toString('hex').toUpperCase(), key.toString('base64url'), key.toString('base64')]) {
    secrets.add(form.replace(/=+$/, ''));
  }
}

function addToken(token: string): void {
  secrets.add(token);
  secrets.add(hashToken(token));
}

async function roundTrip(secret: string): Promise<void> {
  const client = await mtcuteClient(stack.port, secret, { id: 2 });
  try {
    await client.send(new Uint8Array(48).fill(3));
    expect((await client.receive(5_000)).length).toBeGreaterThanOrEqual(48);
  } finally {
    await client.close();
  }
}

beforeAll(async () => {
  const b64 = generateSecret('dd');
  stack = await startStack({
    log: { level: 'trace', destination: capture },
    extra: {
      log: { level: 'trace' }, // also after the reload (a reload applies log.level)
      audit: { file: auditFile },
      security: { rotation_links_file: linksFile, link_host: '127.0.0.1' },
      policy: { anomaly_actions: { mode: 'monitor' } },
    },
  });
  // A fourth user whose secret is written in base64url in the config (reload below adds it).
  stack.input.users.bea = { secret: formatSecret(b64, 'base64url') };
  for (const u of Object.values(stack.users)) addSecret(u.secret);
  addSecret(stack.input.users.bea.secret);
  addToken(stack.tokens.reader.token);
  addToken(stack.tokens.root.token);
});

afterAll(async () => {
  await stack?.stop();
  rmSync(auditDir, { recursive: true, force: true });
});

describe('secrets never reach the logs or the audit file', () => {
  it('after real traffic, admin use, rotation, reload, failures and fronting', async () => {
    const { users, tokens, adminUrl } = stack;
    // Clients with every kind of secret.
    for (const u of Object.values(users)) await roundTrip(u.secret);

    // Admin plane: good token, wrong tokens, a session, a token created at run time.
    expect((await call(adminUrl, 'GET', '/api/v1/stats', { token: tokens.reader.token })).status).toBe(200);
    const wrong = `mts_${Buffer.alloc(32, 9).toString('base64url')}`;
    addToken(wrong);
    expect((await call(adminUrl, 'GET', '/api/v1/users', { token: wrong })).status).toBe(401);
    expect((await call(adminUrl, 'GET', '/api/v1/users', { token: tokens.reader.token.slice(0, -2) })).status).toBe(401);
    addToken(tokens.reader.token.slice(0, -2));
    const session = await call(adminUrl, 'POST', '/api/v1/sessions', { token: tokens.reader.token, body: { ttl: '5m' } });
    expect(session.status).toBe(201);
    addToken(session.json.session);
    expect((await call(adminUrl, 'GET', '/api/v1/stats', { token: session.json.session })).status).toBe(200);
    const created = await call(adminUrl, 'POST', '/api/v1/tokens', { token: tokens.root.token, body: { name: 'ci', level: 'read_only', expires: new Date(Date.now() + 86_400_000).toISOString() } });
    expect(created.status).toBe(201);
    addToken(created.json.token);
    expect((await call(adminUrl, 'GET', '/api/v1/stats', { token: created.json.token })).status).toBe(200);

    // Users added and rotated through the API; rotate_encryption_keys for everyone.
    const added = await call(adminUrl, 'POST', '/api/v1/users', { token: tokens.root.token, body: { name: 'zed', mode: 'ee', domain: FAKE_TLS_DOMAIN } });
    expect(added.status).toBe(201);
    addSecret(added.json.secret ?? added.json.user?.secret);
    const given = formatSecret(generateSecret('dd'));
    addSecret(given);
    expect((await call(adminUrl, 'POST', '/api/v1/users', { token: tokens.root.token, body: { name: 'yan', secret: given } })).status).toBe(201);
    const rotated = await call(adminUrl, 'POST', `/api/v1/users/${users.ee.name}/rotate`, { token: tokens.root.token, body: { grace: '1h' } });
    expect(rotated.status).toBe(200);
    addSecret(rotated.json.secret);
    await roundTrip(rotated.json.secret);
    await roundTrip(users.ee.secret); // the old one, in its grace period
    const all = await call(adminUrl, 'POST', '/api/v1/keys/rotate', { token: tokens.root.token, body: { users: [users.dd.name], grace: '1h' } });
    expect(all.status).toBe(200);
    for (const text of JSON.stringify(all.json).match(/\b(?:ee|dd)?[0-9a-f]{32}(?:[0-9a-f]{2})*\b/g) ?? []) {
      try {
        addSecret(text);
      } catch {
        // not a secret (e.g. a hash in the answer)
      }
    }
    // rotate_encryption_keys as the key_rotation schedule runs it: users and a token, links to the links file.
    const direct = stack.app.security.keys.rotate({ users: 'all', tokens: ['reader'], actor: 'test', writeLinks: true });
    for (const u of direct.users) addSecret(u.secret);
    for (const t of direct.tokens) addToken(t.token);
    expect(direct.tokens).toHaveLength(1);

    // Config reload: bea (base64url) added, pat removed; then bea connects.
    const next = { ...stack.input, users: { ...stack.input.users } };
    delete next.users[users.plain.name];
    await stack.app.reload(testConfig(next, stack.stateDir));
    await roundTrip(next.users.bea.secret);
    // A reload that fails validation (a user with a broken secret next to a good one) is logged by the CLI.
    const broken = { ...next, users: { ...next.users, bad: { secret: `${users.dd.secret}zz` } } };
    try {
      await stack.app.reload(testConfig(broken, stack.stateDir));
    } catch (err) {
      lines.push(JSON.stringify({ msg: 'reload failed (as run.ts logs it)', err: (err as Error).message }));
    }

    // Failed handshakes: wrong obfuscated2 key, wrong fake-TLS key, a replayed header; and a fronted probe.
    const stranger = generateSecret('ee', FAKE_TLS_DOMAIN);
    for (const bytes of [
      buildClientHeader(generateSecret('dd').key, 'padded', 2).header,
      buildClientHello(stranger.key, FAKE_TLS_DOMAIN, Date.now()).record,
      Buffer.from('GET / HTTP/1.1\r\nHost: example.com\r\n\r\n'),
    ]) {
      const socket = await connectTo(stack.port);
      const outcome = outcomeOf(stack, socket, 5_000);
      socket.write(bytes);
      expect(await outcome).toBe('fronted');
    }
    const replayed = buildClientHeader(parseSecret(users.dd.secret).key, 'padded', 2);
    for (let i = 0; i < 2; i++) {
      const socket = await connectTo(stack.port);
      const outcome = outcomeOf(stack, socket, 5_000);
      socket.write(replayed.header);
      if (i === 1) expect(await outcome).toBe('fronted');
      else {
        await new Promise((r) => setTimeout(r, 200));
        socket.destroy();
        await outcome;
      }
    }
    // A scheduled audit report and the audit API read the same entries.
    expect((await call(adminUrl, 'POST', '/api/v1/audit/run', { token: tokens.root.token, body: {} })).status).toBe(200);
    const recent = await call(adminUrl, 'GET', '/api/v1/audit?limit=1000', { token: tokens.root.token });
    expect(recent.status).toBe(200);

    await new Promise((r) => setTimeout(r, 200));
    const audit = existsSync(auditFile) ? readFileSync(auditFile, 'utf8').split('\n').filter(Boolean) : [];
    expect(audit.length).toBeGreaterThan(5);
    expect(lines.length).toBeGreaterThan(25);
    expect(secrets.size).toBeGreaterThan(60);

    const findLeaks = (sources: [string, string[]][]): string[] => {
      const leaks: string[] = [];
      for (const [where, texts] of sources) {
        for (const text of texts) {
          for (const secret of secrets) {
            if (secret.length >= 16 && text.includes(secret)) leaks.push(`${where}: ${secret.slice(0, 10)}… in ${text.slice(0, 300)}`);
          }
        }
      }
      return leaks;
    };
    // The scan itself finds a bare key, a base64url secret and a token hash when they are there.
    const eeKey = Buffer.from(users.ee.parsed.key).toString('hex');
    expect(findLeaks([['probe', [`{"k":"${eeKey}"}`, `x${stack.input.users.bea.secret}x`, hashToken(tokens.root.token)]]])).toHaveLength(3);
    const leaks = findLeaks([
      ['log', lines],
      ['audit', audit],
      ['audit API', [recent.text]],
    ]);
    expect(leaks).toEqual([]);
  }, 30_000);
});
