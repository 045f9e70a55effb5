// Report: see the module README.
