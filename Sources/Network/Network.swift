// Network: see the module README.
