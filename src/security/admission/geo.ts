/**
 * Country lookup for the geo policy: a MaxMind-format database (GeoLite2-Country / -City, or any MMDB with
 * `country.iso_code`) when `[geo] database` names one, read through the `maxmind` package; otherwise the
 * embedded geoip-lite data (loaded lazily: it costs memory and start-up time, so only when a geo list is set).
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { Reader, type CountryResponse } from 'maxmind';
import { SecurityError } from '../errors.js';

export interface GeoResolver {
  readonly source: 'mmdb' | 'geoip-lite' | 'none';
  /** ISO 3166-1 alpha-2 in upper case, or undefined when unknown. */
  country(ip: string): string | undefined;
}

type CountryRecord = CountryResponse;

export class MmdbGeoResolver implements GeoResolver {
  readonly source = 'mmdb' as const;
  private readonly reader: Reader<CountryRecord>;

  constructor(readonly path: string) {
    try {
      this.reader = new Reader<CountryRecord>(readFileSync(path));
    } catch (err) {
      throw new SecurityError('ERR_SECURITY_STATE', `geo database ${path} cannot be read as MMDB`, { cause: err });
    }
  }

  country(ip: string): string | undefined {
    try {
      const record = this.reader.get(ip);
      return (record?.country?.iso_code ?? record?.registered_country?.iso_code)?.toUpperCase();
    } catch {
      return undefined;
    }
  }
}

export class GeoipLiteResolver implements GeoResolver {
  readonly source = 'geoip-lite' as const;
  private lookup?: (ip: string) => { country?: string } | null;

  country(ip: string): string | undefined {
    if (!this.lookup) {
      const geoip = createRequire(import.meta.url)('geoip-lite') as { lookup: (ip: string) => { country?: string } | null };
      this.lookup = geoip.lookup;
    }
    const country = this.lookup(ip)?.country;
    return country ? country.toUpperCase() : undefined;
  }
}

export const noGeo: GeoResolver = { source: 'none', country: () => undefined };

export function openGeoResolver(config: { database?: string; fallback: boolean }): GeoResolver {
  if (config.database) return new MmdbGeoResolver(config.database);
  return config.fallback ? new GeoipLiteResolver() : noGeo;
}
