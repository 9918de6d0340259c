/**
 * Admin API credentials (RFC 6750 bearer tokens): `Authorization: Bearer <token or session id>`. The
 * security layer's AuthService (src/security/credentials/auth.ts) decides — token store, sessions, strong_auth policy,
 * failed attempts per IP (429 past `security.auth_failures_per_minute`), their counters and their audit;
 * this module only turns its answer into a principal or a typed error.
 */
import { SecurityError } from '../security/errors.js';
import { AdminRequestError } from './http.js';
import type { AuthResult } from '../security/credentials/auth.js';
import type { AccessLevel } from '../security/credentials/levels.js';

export interface Principal {
  /** The token's name (never the token). */
  name: string;
  level: AccessLevel;
  via: 'token' | 'session';
  /** Public handle of the session used, when via = 'session'. */
  sessionHandle?: string;
  /** Audit actor: "token:NAME" or "session:NAME". */
  actor: string;
  /** The credential as presented, for exchanging a token for a session; never logged or returned. */
  credential: string;
}

export interface AuthPort {
  authenticate(credential: string | undefined, ip: string): Promise<AuthResult>;
  /** Whether a credential still holds (not revoked, not expired), without counting or reporting. */
  isLive(credential: string): boolean;
}

export interface AdminAuthenticator {
  /** Resolves the principal behind an Authorization header value; throws SecurityError (401 / 429). */
  authenticate(authorization: string, ip: string): Promise<Principal>;
  /** Whether the credential a principal presented still holds (event streams re-check it). */
  isLive(credential: string): boolean;
}

/** "Bearer X" → X; anything else → undefined (missing credentials). */
export function bearerCredential(authorization: string): string | undefined {
  return /^\s*Bearer\s+(\S+)\s*$/i.exec(authorization)?.[1];
}

export function createAuthenticator(auth: AuthPort): AdminAuthenticator {
  return {
    isLive: (credential) => auth.isLive(credential),
    async authenticate(authorization, ip) {
      const credential = bearerCredential(authorization);
      const result = await auth.authenticate(credential, ip);
      if (result.ok) {
        const { principal } = result;
        return {
          name: principal.name,
          level: result.level,
          via: principal.kind,
          sessionHandle: principal.handle,
          actor: `${principal.kind}:${principal.name}`,
          credential: credential!,
        };
      }
      if (result.status === 429) {
        const seconds = Math.ceil((result.retryAfterMs ?? 60_000) / 1000);
        const limited = new AdminRequestError(429, 'ERR_SECURITY_RATE_LIMITED', `too many failed attempts from this address; retry in ${seconds}s`);
        limited.retryAfterSeconds = seconds;
        throw limited;
      }
      const reason = result.reason === 'missing' ? 'missing credentials' : result.reason === 'policy' ? 'token refused by the strong_auth policy' : 'wrong, expired or revoked credentials';
      throw new SecurityError('ERR_SECURITY_UNAUTHORIZED', reason);
    },
  };
}
