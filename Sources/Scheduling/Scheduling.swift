// Scheduling: see the module README.
