#!/usr/bin/env python3
"""Writes Tests/Fixtures/Datasets/numpy_split.json: NumPy's legacy MT19937 permutations that
Stepwise's validation split and training stream must reproduce bit for bit.

Lee et al. (edps/dataset.py) build the split as
    rand = np.random.RandomState(seed=0)
    indices = list(range(60000)); rand.shuffle(indices)
    validation = indices[:6000]; training = indices[6000:]
so the *first* `holdout` shuffled indices are the validation split.

Stepwise's training stream shuffles range(54000) once per epoch with a fresh
RandomState(data_seed); the `stream` entries pin those permutations.

Usage: python3 scripts/gen_split_fixture.py  (needs numpy; run from the repo root)
"""
import hashlib
import json
import os

import numpy as np


def digest(values):
    """SHA-256 of the values as little-endian uint32, the encoding the Swift test hashes."""
    return hashlib.sha256(np.asarray(values, dtype="<u4").tobytes()).hexdigest()


def shuffled(n, rand):
    indices = list(range(n))
    rand.shuffle(indices)
    return indices


def main():
    out = {"numpy": np.__version__, "splits": [], "stream": [], "raw": []}
    for seed, n in [(0, 60000), (1, 60000), (0, 50000), (12345, 1000), (0, 10)]:
        perm = shuffled(n, np.random.RandomState(seed))
        assert perm == list(np.random.RandomState(seed).permutation(n))
        out["splits"].append({
            "seed": seed, "count": n, "first": perm[:50], "last": perm[-50:],
            "sha256": digest(perm)})
    rand = np.random.RandomState(0)
    for epoch in range(3):
        perm = shuffled(54000, rand)
        out["stream"].append({
            "seed": 0, "count": 54000, "epoch": epoch, "first": perm[:20], "sha256": digest(perm)})
    # Seeds over 32 bits: Stepwise seeds with init_by_array([low, high]) like
    # RandomState(np.array([low, high], dtype=np.uint32)).
    for seed in [0, 5489, 4294967295, 2**40 + 7]:
        mt = np.random.MT19937()
        key = seed if seed < 2**32 else np.array([seed & 0xffffffff, seed >> 32], dtype=np.uint32)
        mt._legacy_seeding(key)
        out["raw"].append({"seed": seed, "first": [int(v) for v in mt.random_raw(8)]})
    big = 2**40 + 7
    key = np.array([big & 0xffffffff, big >> 32], dtype=np.uint32)
    perm = shuffled(1000, np.random.RandomState(key))
    out["splits"].append({
        "seed": big, "count": 1000, "first": perm[:50], "last": perm[-50:],
        "sha256": digest(perm)})
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    path = os.path.join(root, "Tests", "Fixtures", "Datasets", "numpy_split.json")
    with open(path, "w") as f:
        json.dump(out, f, separators=(",", ":"))
        f.write("\n")
    print(path)


if __name__ == "__main__":
    main()
