// placeholder: gcm kernels land here (see docs/kernel-abi.md)
