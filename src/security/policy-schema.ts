/** The policy document's schema now lives with the rest of the config: src/config/schema/policy.ts. */
export * from '../config/schema/policy.js';
