/**
 * Forced backends from config and environment (docs/kernels.md "Forcing a backend"). Precedence, most specific
 * first: MTSHIELD_KERNEL_<ALG> (e.g. MTSHIELD_KERNEL_AES_256_CTR=wasm-simd) > loadKernels({ backend }) from
 * config > MTSHIELD_KERNEL (all algorithms, e.g. MTSHIELD_KERNEL=native). Unknown names are reported, not fatal.
 */
import type { Algorithm, BackendName } from '../types.js';
import { ALGORITHMS, BACKEND_NAMES } from '../types.js';

export function envName(alg: Algorithm): string {
  return `MTSHIELD_KERNEL_${alg.toUpperCase().replace(/-/g, '_')}`;
}

export function isBackendName(value: unknown): value is BackendName {
  return typeof value === 'string' && (BACKEND_NAMES as readonly string[]).includes(value);
}

export interface ForcedBackends {
  forced: Partial<Record<Algorithm, BackendName>>;
  /** Where each forced choice came from, for status and logs. */
  source: Partial<Record<Algorithm, string>>;
  invalid: string[];
}

export function forcedBackends(
  configured: Partial<Record<Algorithm, BackendName>> | undefined,
  env: NodeJS.ProcessEnv = process.env,
): ForcedBackends {
  const result: ForcedBackends = { forced: {}, source: {}, invalid: [] };
  const global = env['MTSHIELD_KERNEL']?.trim();
  if (global && !isBackendName(global)) result.invalid.push(`MTSHIELD_KERNEL=${global}`);
  for (const alg of ALGORITHMS) {
    const specific = env[envName(alg)]?.trim();
    const fromConfig = configured?.[alg];
    if (specific && isBackendName(specific)) {
      result.forced[alg] = specific;
      result.source[alg] = envName(alg);
    } else if (fromConfig !== undefined && isBackendName(fromConfig)) {
      result.forced[alg] = fromConfig;
      result.source[alg] = 'config';
    } else if (global && isBackendName(global)) {
      result.forced[alg] = global;
      result.source[alg] = 'MTSHIELD_KERNEL';
    }
    if (specific && !isBackendName(specific)) result.invalid.push(`${envName(alg)}=${specific}`);
    if (fromConfig !== undefined && !isBackendName(fromConfig)) result.invalid.push(`config backend.${alg}=${String(fromConfig)}`);
  }
  return result;
}
