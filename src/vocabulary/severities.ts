/** How serious a security finding or action is, lowest first (docs/security.md, "Events"). */
export const SEVERITIES = ['info', 'low', 'medium', 'high', 'critical'] as const;
export type Severity = (typeof SEVERITIES)[number];
