// The node:tls site with a generated RSA-2048 chain lives with the benchmark that also uses it (bench/proxy/tls-site.ts).
export * from '../../bench/proxy/tls-site.js';
