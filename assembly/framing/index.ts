// placeholder: framing kernels land here (see docs/kernel-abi.md)
