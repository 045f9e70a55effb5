// Collectives: see the module README.
