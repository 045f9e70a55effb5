#!/bin/sh
# Validates the JSON Schema against workloads/ (must pass) and grammar/bad-examples/ (must fail).
# Needs Debian's python3-jsonschema and python3-yaml, run with /usr/bin/python3.
set -eu
exec /usr/bin/python3 "$(dirname "$0")/check-schema.py" "$@"
