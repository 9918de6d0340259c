// placeholder: aes kernels land here (see docs/kernel-abi.md)
