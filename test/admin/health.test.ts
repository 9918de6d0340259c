/**
 * Liveness, readiness and exposure: /healthz, /readyz flipping to 503 when the proxy drains, the admin allow
 * list (independent of proxy blocks), refusal of a remote listener without TLS, the insecure override
 * flagged by the audit, and TLS (uWS SSLApp) with a throwaway self-signed certificate.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { request as httpsRequest } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { isMtShieldError } from '../../src/errors.js';
import { startHarness } from './helpers.js';

describe('/healthz and /readyz', () => {
  it('readyz is 200 while the proxy serves and 503 once it drains; healthz stays 200', async () => {
    const h = await startHarness({ withProxy: true });
    try {
      expect((await h.call('GET', '/healthz')).status).toBe(200);
      expect((await h.call('GET', '/readyz')).status).toBe(200);
      await h.testProxy!.service.server.drain(100);
      const ready = await h.call('GET', '/readyz');
      expect([ready.status, ready.json.status]).toEqual([503, 'draining']);
      expect((await h.call('GET', '/healthz')).status).toBe(200);
    } finally {
      await h.close();
    }
  });
});

describe('IPv6 loopback', () => {
  it('listens on [::1] and admits ::1 by the default allow list', async () => {
    const h = await startHarness({ admin: { listen: '[::1]:0' } });
    try {
      expect(h.admin.url).toMatch(/^http:\/\/\[::1\]:\d+$/);
      expect((await h.call('GET', '/api/v1/stats', { token: h.tokens.read_only })).status).toBe(200);
    } finally {
      await h.close();
    }
  });
});

describe('admin allow list', () => {
  it('refuses addresses outside admin.allow, even for /healthz', async () => {
    const h = await startHarness({ admin: { allow: ['10.0.0.0/8', '2001:db8::/32'] } });
    try {
      const res = await h.call('GET', '/healthz');
      expect([res.status, res.json.error]).toEqual([403, 'ERR_ADMIN_NOT_ALLOWED']);
      expect((await h.call('GET', '/api/v1/stats', { token: h.tokens.superuser })).status).toBe(403);
    } finally {
      await h.close();
    }
  });

  it('a proxy block on the operator address never locks the operator out', async () => {
    const h = await startHarness();
    try {
      const res = await h.call('POST', '/api/v1/blocks', { token: h.tokens.admin, body: { ip: '127.0.0.0/8', reason: 'oops' } });
      expect(res.status).toBe(201);
      expect((await h.call('GET', '/api/v1/blocks', { token: h.tokens.read_only })).status).toBe(200);
      expect((await h.call('DELETE', `/api/v1/blocks/${encodeURIComponent('127.0.0.0/8')}`, { token: h.tokens.admin })).status).toBe(204);
    } finally {
      await h.close();
    }
  });
});

describe('exposure beyond loopback', () => {
  it('refuses a non-loopback listen without TLS or the explicit override', async () => {
    const failure = await startHarness({ admin: { listen: '0.0.0.0:0' } }).then(
      async (h) => {
        await h.close();
        return undefined;
      },
      (err: unknown) => err,
    );
    expect(isMtShieldError(failure, 'ERR_ADMIN_INSECURE_LISTEN')).toBe(true);
  });

  it('starts with allow_insecure_remote = true and the audit report flags it', async () => {
    const h = await startHarness({ admin: { listen: '0.0.0.0:0', allow_insecure_remote: true } });
    try {
      const res = await h.call('POST', '/api/v1/audit/run', { token: h.tokens.read_only, body: {} });
      expect(res.status).toBe(200);
      expect(res.json.findings).toContainEqual(expect.objectContaining({ check: 'admin.allow_insecure_remote', severity: 'high' }));
      expect(res.json.text).toMatch(/\[HIGH\] admin\.allow_insecure_remote/);
    } finally {
      await h.close();
    }
  });

  it('the strong_auth policy in enforce refuses the insecure override', async () => {
    const failure = await startHarness({
      admin: { listen: '0.0.0.0:0', allow_insecure_remote: true },
      config: { policy: { strong_auth: { mode: 'enforce' } } },
    }).then(
      async (h) => {
        await h.close();
        return undefined;
      },
      (err: unknown) => err,
    );
    expect(isMtShieldError(failure, 'ERR_ADMIN_INSECURE_LISTEN')).toBe(true);
    expect(String((failure as Error).message)).toMatch(/strong_auth/);
  });

  it('serves HTTPS with [admin.tls] on a non-loopback address', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'mtshield-admin-tls-'));
    const cert = join(dir, 'admin.crt');
    const key = join(dir, 'admin.key');
    execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', key, '-out', cert, '-days', '1', '-subj', '/CN=127.0.0.1'], { stdio: 'ignore' });
    const h = await startHarness({ admin: { listen: '0.0.0.0:0', tls: { cert, key } } });
    try {
      expect(h.admin.tls).toBe(true);
      const status = await new Promise<number>((resolve, reject) => {
        const req = httpsRequest(
          { host: '127.0.0.1', port: h.admin.port, path: '/api/v1/stats', headers: { authorization: `Bearer ${h.tokens.read_only}` }, rejectUnauthorized: false, agent: false },
          (res) => {
            res.resume();
            res.on('end', () => resolve(res.statusCode ?? 0));
          },
        );
        req.on('error', reject);
        req.end();
      });
      expect(status).toBe(200);
    } finally {
      await h.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
