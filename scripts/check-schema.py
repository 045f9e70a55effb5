#!/usr/bin/python3
"""Checks grammar/workload.schema.json with a real validator (Debian python3-jsonschema):
every file in workloads/ must pass, every file in grammar/bad-examples/ must fail.
Exit status 0 when both hold."""
import json
import pathlib
import sys

import jsonschema
import yaml

root = pathlib.Path(__file__).resolve().parent.parent
schema = json.loads((root / "grammar" / "workload.schema.json").read_text())
jsonschema.Draft7Validator.check_schema(schema)
validator = jsonschema.Draft7Validator(schema)


def load(path):
    # PyYAML reads YAML 1.1 ints as ints and '1e-4' as a string; the language reads '1e-4' as a
    # number, so resolve such scalars like the Swift loader does before validating.
    class Loader(yaml.SafeLoader):
        pass

    Loader.add_implicit_resolver(
        "tag:yaml.org,2002:float",
        __import__("re").compile(r"^[-+]?([0-9][0-9_]*)?\.?[0-9]*[eE][-+]?[0-9]+$"),
        list("-+0123456789."))
    return yaml.load(path.read_text(), Loader=Loader)


failures = 0
for path in sorted((root / "workloads").glob("**/*.yaml")):
    errors = list(validator.iter_errors(load(path)))
    if errors:
        failures += 1
        print(f"FAIL {path.relative_to(root)}: schema rejects a good workload")
        for e in errors:
            print(f"     {'/'.join(map(str, e.path))}: {e.message}")
    else:
        print(f"ok   {path.relative_to(root)} accepted")
for path in sorted((root / "grammar" / "bad-examples").glob("*.yaml")):
    if validator.is_valid(load(path)):
        failures += 1
        print(f"FAIL {path.relative_to(root)}: schema accepts a bad workload")
    else:
        print(f"ok   {path.relative_to(root)} rejected")
sys.exit(1 if failures else 0)
