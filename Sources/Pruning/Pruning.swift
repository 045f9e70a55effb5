// Pruning: see the module README.
