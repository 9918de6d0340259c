// The only export surface of the kernel module. Each primitive folder exports its own functions with a
// prefix (aes*, gcm*, chacha*/poly*/xchacha*, frame*/tls*) so names never collide. See docs/kernel-abi.md.
export * from './util/index';
export * from './aes/index';
export * from './gcm/index';
export * from './chacha/index';
export * from './framing/index';
