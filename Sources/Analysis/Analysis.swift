// Analysis: see the module README.
