/**
 * Middle mode through the real proxy: writes the proxy secret and table files for a FakeMiddleProxy on
 * 127.0.0.1 and starts mtshield with [upstream] mode = "middle" pointing at them.
 */
import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { formatSecret, generateSecret } from '../../../src/protocol/secrets.js';
import type { ServiceOptions } from '../../../src/service.js';
import { makeStateDir, startTestProxy, type TestProxy } from '../../helpers/proxy.js';
import { FakeMiddleProxy } from './fake-middle-proxy.js';

export const ee = generateSecret('ee', 'example.com');
export const dd = generateSecret('dd');
export const plain = generateSecret('plain');
export const AD_TAG = '0123456789abcdef0123456789abcdef';
export const USER_TAG = 'fedcba9876543210fedcba9876543210';

export function tableText(ports: number[], defaultDc = 2): string {
  return `default ${defaultDc};\n` + ports.map((p) => `proxy_for ${defaultDc} 127.0.0.1:${p};`).join('\n') + '\n';
}

export interface MiddleSetup {
  fake: FakeMiddleProxy;
  proxy: TestProxy;
  dir: string;
  files: { secret: string; config: string };
  secret: Buffer;
}

export async function startMiddleSetup(
  cleanups: Array<() => unknown>,
  extra: { upstream?: Record<string, unknown>; middle?: Record<string, unknown>; users?: Record<string, unknown> } = {},
  options: ServiceOptions = {},
): Promise<MiddleSetup> {
  const secret = randomBytes(128);
  const fake = await FakeMiddleProxy.start({ proxySecret: secret });
  cleanups.push(() => fake.close());
  const dir = makeStateDir();
  const files = { secret: join(dir, 'proxy-secret'), config: join(dir, 'proxy-multi.conf') };
  writeFileSync(files.secret, secret);
  writeFileSync(files.config, tableText([fake.port]));
  const proxy = await startTestProxy(
    {
      users: {
        e: { secret: formatSecret(ee) },
        d: { secret: formatSecret(dd), ad_tag: USER_TAG },
        p: { secret: formatSecret(plain) },
        ...(extra.users ?? {}),
      },
      upstream: {
        mode: 'middle',
        ad_tag: AD_TAG,
        ...(extra.upstream ?? {}),
        middle: { proxy_secret: files.secret, proxy_config: files.config, ...(extra.middle ?? {}) },
      },
    },
    { stateDir: dir, ...options },
  );
  cleanups.push(() => proxy.stop());
  return { fake, proxy, dir, files, secret };
}
