// Training: see the module README.
