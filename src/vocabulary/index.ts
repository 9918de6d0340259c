/**
 * The shared vocabulary: the names and rules every part of mtshield speaks the same way (refusal sources,
 * secret modes, the user-name rule, units, addresses, the link host). Pure: no I/O, no state, so the data
 * plane, the security layer, the admin plane and the config may all import it.
 */
export { REFUSAL_SOURCES, USER_LIMIT_REASONS, zeroByRefusalSource, type RefusalSource, type UserLimitReason, type UserRefusalReason } from './refusals.js';
export { SECRET_MODES, isSecretMode, type SecretMode } from './secret-modes.js';
export { USER_NAME_PATTERN, USER_NAME_RULE, isUserName } from './user-name.js';
export { parseDuration, parseSize, formatDuration, formatSize } from './units.js';
export { normaliseAddress, normaliseIp, parseIp, isLoopbackHost, isWildcardHost, parseHostPort, formatHostPort, type HostPort } from './address.js';
export { CidrSet, cidrContains, ipFamily, lookupAddress, parseCidrWith, type Cidr, type IpFamily, type LookupAddress } from './cidr.js';
export { chooseLinkHost, chooseLinkPort, chooseLinkTarget, type LinkHostSources } from './link-host.js';
export { SEVERITIES, type Severity } from './severities.js';
