// Kernels: see the module README.
