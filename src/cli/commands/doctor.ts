/**
 * `mtshield doctor [--config FILE]`: checks an operator runs before going live.
 *   config     the file parses and validates (or the embedded defaults are usable)
 *   clock      skew against the HTTP Date of the fronting site; "unknown" when no time source answers
 *   dc         a TCP connect to each DC address the proxy would use (short timeout); in middle mode instead
 *   middle     each middle proxy of the table: reachable, and the link handshake completes
 *   fronting   the fronting site accepts TCP connections
 *   profile    each fronting domain's profile, measured now (src/fronting; the fallback when unreachable)
 *   dns        each fake-TLS domain resolves (and whether to public_host's address)
 * Exit status 0 when the config is valid and at least one DC (middle proxy) is reachable, else 1.
 */
import type { Command } from 'commander';
import { lookup } from 'node:dns/promises';
import { request } from 'node:https';
import { configFromFlags } from '../../config/from-flags.js';
import type { MtShieldConfig } from '../../config/types.js';
import { BUILTIN_DCS, DcTable } from '../../protocol/dc.js';
import { parseSecret } from '../../protocol/secrets.js';
import { dialOne, label, type DcDialer, type DialTarget } from '../../upstream/dial.js';
import { socks5Dialer } from '../../upstream/socks5/index.js';
import { fallbackProfile, FrontingError, formatProfile, frontingDomains, frontingSite, profileSite, type SiteProfile } from '../../fronting/index.js';
import { nodeCbc, probeMiddleProxies } from '../../upstream/middle/index.js';

const TIMEOUT_MS = 2500;

type Status = 'ok' | 'warn' | 'fail' | 'unknown';

function report(status: Status, check: string, detail: string): void {
  console.log(`${status.toUpperCase().padEnd(7)} ${check.padEnd(9)} ${detail}`);
}

export function register(program: Command): void {
  program
    .command('doctor')
    .description('check the config, clock, DC reachability, the fronting site and DNS')
    .option('-c, --config <file>', 'TOML config file (default: the embedded defaults)')
    .option('--state-dir <dir>', 'state directory when checking the defaults')
    .action(async (flags: { config?: string; stateDir?: string }) => {
      let config: MtShieldConfig;
      try {
        config = configFromFlags(flags).config;
        report('ok', 'config', `${config.source}: ${config.users.length} user(s), listen ${config.server.listen.map((a) => label(a)).join(' ')}`);
      } catch (err) {
        report('fail', 'config', (err as Error).message);
        process.exitCode = 1;
        return;
      }
      const fronting = frontingTarget(config);
      await checkClock(fronting);
      const reachable = config.upstream.mode === 'middle' ? await checkMiddleProxies(config) : await checkDcs(config);
      await checkFronting(fronting);
      await checkProfiles(config);
      await checkDns(config);
      if (reachable === 0) process.exitCode = 1;
    });
}

function frontingTarget(config: MtShieldConfig): DialTarget | undefined {
  if (config.fronting.host) return { host: config.fronting.host, port: config.fronting.port };
  for (const u of config.users) {
    const domain = parseSecret(u.secret).domain;
    if (domain) return { host: domain, port: config.fronting.port };
  }
  return undefined;
}

async function checkClock(target: DialTarget | undefined): Promise<void> {
  if (!target) return report('unknown', 'clock', 'no fronting site to read the time from; check NTP (fake TLS allows ±tls.max_skew)');
  const date = await new Promise<string | undefined>((resolve) => {
    const req = request({ host: target.host, port: target.port, method: 'HEAD', path: '/', timeout: TIMEOUT_MS, rejectUnauthorized: false }, (res) => {
      resolve(res.headers.date);
      res.resume();
    });
    req.on('timeout', () => req.destroy());
    req.on('error', () => resolve(undefined));
    req.end();
  });
  const at = date ? Date.parse(date) : NaN;
  if (!Number.isFinite(at)) return report('unknown', 'clock', `no time source reachable (${label(target)}); skew cannot be measured offline — check NTP`);
  const skew = Math.round((Date.now() - at) / 1000);
  report(Math.abs(skew) <= 10 ? 'ok' : 'warn', 'clock', `skew ${skew} s against ${target.host} (HTTP Date, ±1 s resolution)`);
}

async function checkDcs(config: MtShieldConfig): Promise<number> {
  const table = new DcTable({ overrides: config.upstream.dc, preferIpv6: config.server.preferIpv6, defaultDc: config.server.defaultDc });
  let reachable = 0;
  // [upstream] mode = "socks5": the DCs as the proxy reaches them, through the SOCKS5 server.
  const socks5 = config.upstream.mode === 'socks5' ? config.upstream.socks5 : undefined;
  const viaSocks5 = socks5?.address ? socks5Dialer({ address: socks5.address, username: socks5.username, password: socks5.password }) : undefined;
  await Promise.all(
    [...BUILTIN_DCS.keys()].map(async (dc) => {
      const addresses = table.resolve(dc).addresses;
      const results = await Promise.all(addresses.map((a) => probe(a, viaSocks5)));
      const ok = results.filter((r) => r.ok).length;
      if (ok > 0) reachable++;
      const detail = addresses.map((a, i) => `${label(a)} ${results[i]!.ok ? `${results[i]!.ms} ms` : results[i]!.error}`).join('; ');
      report(ok > 0 ? 'ok' : 'fail', `dc ${dc}`, detail);
    }),
  );
  return reachable;
}

async function checkMiddleProxies(config: MtShieldConfig): Promise<number> {
  let results;
  try {
    // node:crypto CBC: the check is about the peer, not about which AES backend runs the link
    results = await probeMiddleProxies(config, nodeCbc, TIMEOUT_MS);
  } catch (err) {
    report('fail', 'middle', (err as Error).message);
    return 0;
  }
  for (const r of results) {
    const where = `${label(r)} (dc ${r.dcs.join(', ')})`;
    report(r.ok ? 'ok' : 'fail', 'middle', r.ok ? `${where} handshake ${r.ms} ms` : `${where} ${r.error ?? 'failed'}`);
  }
  return results.filter((r) => r.ok).length;
}

async function checkFronting(target: DialTarget | undefined): Promise<void> {
  if (!target) return report('warn', 'fronting', 'no fronting site (no [fronting] host and no ee secret): failed clients are held, not spliced');
  const result = await probe(target);
  report(result.ok ? 'ok' : 'fail', 'fronting', `${label(target)} ${result.ok ? `${result.ms} ms` : result.error}`);
}

/** One line per domain (ok: measured, warn: the fallback and why), then its shape. */
async function checkProfiles(config: MtShieldConfig): Promise<void> {
  for (const domain of frontingDomains(config)) {
    const target = frontingSite(config, domain);
    let profile: SiteProfile;
    try {
      profile = await profileSite(domain, target, Date.now(), { connectTimeoutMs: TIMEOUT_MS, readTimeoutMs: TIMEOUT_MS });
    } catch (err) {
      profile = fallbackProfile(domain, Date.now(), err instanceof FrontingError ? `${err.code}: ${err.message}` : (err as Error).message);
    }
    const [head, ...shape] = formatProfile(profile);
    report(profile.source === 'site' ? 'ok' : 'warn', 'profile', `${head} (${label(target)})`);
    for (const line of shape) console.log(`${''.padEnd(17)} ${line.trimStart()}`);
  }
}

async function checkDns(config: MtShieldConfig): Promise<void> {
  const domains = new Set(config.users.map((u) => parseSecret(u.secret).domain).filter((d): d is string => !!d));
  for (const domain of domains) {
    try {
      const addresses = (await lookup(domain, { all: true })).map((a) => a.address);
      const host = config.server.publicHost;
      const matches = host ? addresses.includes(host) : undefined;
      const note = matches === undefined ? '' : matches ? ' (includes public_host)' : ` (public_host ${host} is not among them: a censor can compare SNI and address)`;
      report(matches === false ? 'warn' : 'ok', 'dns', `${domain} → ${addresses.join(', ')}${note}`);
    } catch (err) {
      report('warn', 'dns', `${domain} does not resolve here: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
    }
  }
}

async function probe(target: DialTarget, dial?: DcDialer): Promise<{ ok: true; ms: number } | { ok: false; error: string }> {
  const started = Date.now();
  try {
    const socket = dial ? (await dial([target], TIMEOUT_MS, 16_384)).socket : await dialOne(target, TIMEOUT_MS, 16_384);
    socket.destroy();
    return { ok: true, ms: Date.now() - started };
  } catch (err) {
    return { ok: false, error: (err as Error).message.replace(/^connect to \S+ /, '') };
  }
}
