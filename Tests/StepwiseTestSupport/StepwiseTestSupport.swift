// Shared test helpers (golden files, marked YAML, gradient checks) live beside this file.
