// Planning: see the module README.
