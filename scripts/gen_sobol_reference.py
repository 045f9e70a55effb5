#!/usr/bin/env python3
"""Writes the Sobol reference fixture that Tests/PlanningTests/SobolSequenceTests.swift checks.

SciPy's `qmc.Sobol(d, scramble=False)` uses the Joe-Kuo new-joe-kuo-6.21201 direction numbers,
30 bits and Gray-code order: the same sequence Stepwise's `SobolSequence` promises. Each value is
stored twice: as the integer numerator over 2^30 (exact) and as the float SciPy returns.

Usage: python3 scripts/gen_sobol_reference.py  (from the repository root; needs scipy).
"""
import json
import pathlib

import numpy as np
import scipy
from scipy.stats import qmc

DIMENSIONS = 5
POINTS = 256
BITS = 30


def main() -> None:
    sampler = qmc.Sobol(d=DIMENSIONS, scramble=False, bits=BITS)
    points = sampler.random(POINTS)
    numerators = [[int(v) for v in row] for row in np.rint(points * (1 << BITS)).astype(np.int64)]
    for row, nums in zip(points, numerators):
        for value, num in zip(row, nums):
            assert float(num) / (1 << BITS) == float(value)
    fixture = {
        "generator": "scipy.stats.qmc.Sobol(d=%d, scramble=False, bits=%d).random(%d)"
        % (DIMENSIONS, BITS, POINTS),
        "scipy_version": scipy.__version__,
        "dimensions": DIMENSIONS,
        "bits": BITS,
        "numerators": numerators,
        "points": [[float(v) for v in row] for row in points],
    }
    out = pathlib.Path(__file__).resolve().parent.parent / "Tests/PlanningTests/Fixtures/sobol_reference.json"
    lines = []
    for name, value in fixture.items():
        if isinstance(value, list):
            rows = ",\n    ".join(json.dumps(row) for row in value)
            lines.append('  "%s": [\n    %s\n  ]' % (name, rows))
        else:
            lines.append("  %s: %s" % (json.dumps(name), json.dumps(value)))
    out.write_text("{\n" + ",\n".join(lines) + "\n}\n")
    print("wrote", out)


if __name__ == "__main__":
    main()
