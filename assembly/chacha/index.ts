// placeholder: chacha kernels land here (see docs/kernel-abi.md)
