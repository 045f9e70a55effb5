#!/usr/bin/env python3
"""Writes a synthetic results archive (the JSON that `stepwise report --from-json` reads).

The data follow S(B) = S_min (1 + B_noise / B) per sparsity, with trials that reach the goal, spend
their budget, are dominated or diverge, so that every state and figure is exercised. It is made up:
use it for tests and benchmarks, never as a result. Standard library only.

  scripts/generate-report-fixture.py --trials 20 --out fixture.json          # small
  scripts/generate-report-fixture.py --trials 600 --optimizers sgd,momentum,nesterov \
      --batch-sizes 14 --evaluations 20 --out big.json                       # ~100k trials
"""
import argparse
import hashlib
import json
import math
import random


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--out", required=True)
    p.add_argument("--trials", type=int, default=12, help="trials per cell")
    p.add_argument("--batch-sizes", type=int, default=6, help="powers of two from 2")
    p.add_argument("--sparsities", default="0,0.9")
    p.add_argument("--optimizers", default="nesterov")
    p.add_argument("--workloads", default="mnist-simple-cnn:mnist:0.02")
    p.add_argument("--evaluations", type=int, default=20, help="evaluations in the step budget")
    p.add_argument("--seed", type=int, default=1)
    a = p.parse_args()
    rng = random.Random(a.seed)
    sparsities = [float(s) for s in a.sparsities.split(",")]
    studies = []
    for w, spec in enumerate(a.workloads.split(",")):
        name, dataset, goal = spec.split(":")
        goal = float(goal)
        cells = []
        for o, opt in enumerate(a.optimizers.split(",")):
            for s in sparsities:
                s_min = 200.0 * (1 + 2 * s) * (1 + 0.3 * w)
                b_noise = 64.0 * (1 + 3 * s if opt != "sgd" else 1) * (1 + o)
                for k in range(1, a.batch_sizes + 1):
                    b = 2 ** k
                    cells.append(cell(rng, name, opt, b, s, s_min, b_noise, goal, a))
        masks = [mask(s) for s in sparsities if s > 0]
        studies.append({"workload": name, "dataset": dataset,
                        "goal": {"metric": "validation_error", "comparison": "<=",
                                 "threshold": goal},
                        "evaluationEverySteps": None, "cells": cells, "masks": masks})
    with open(a.out, "w") as f:
        json.dump({"formatVersion": 1, "studies": studies}, f, separators=(",", ":"))


def cell(rng, workload, opt, b, s, s_min, b_noise, goal, a):
    ideal = s_min * (1 + b_noise / b)
    budget = 3 * ideal
    if s == max(float(x) for x in a.sparsities.split(",")) and b == 2 ** a.batch_sizes:
        budget = 0.5 * ideal  # the sparsest curve's largest batch size has no point
    every = max(1, math.ceil(budget / a.evaluations))
    trials = []
    best = None
    for i in range(a.trials):
        lr = 10 ** (-4 + 4 * rng.random())
        mp = {"learning_rate": lr}
        if opt != "sgd":
            mp["momentum"] = 1 - 10 ** (-4 + 3 * rng.random())
        # Distance from a batch-size-dependent optimum sets how slow a trial is.
        opt_lr = min(0.5, 0.002 * b ** 0.7)
        slowness = math.exp(abs(math.log10(lr / opt_lr)) * 0.4 + abs(rng.gauss(0, 0.3)))
        target = ideal * slowness
        diverges = lr > 5 * opt_lr and rng.random() < 0.7
        steps, errs, losses = [], [], []
        state = "not-reached"
        for e in range(1, a.evaluations + 1):
            t = e * every
            if diverges and e >= 2:
                steps.append(t); errs.append(0.9); losses.append(float("nan"))
                state = "diverged"
                break
            err = min(0.9, goal * (target / t) ** 0.6)
            steps.append(t); errs.append(round(err, 6)); losses.append(round(3 * err, 6))
            if err <= goal:
                state = "reached"
                best = t if best is None else min(best, t)
                break
            if best is not None and t >= best and i % 2 == 1:
                state = "dominated"
                break
        key = hashlib.sha256(f"{workload}/{opt}/{b}/{s}/{i}".encode()).hexdigest()
        trials.append({"index": i, "key": key, "state": state, "metaparameters": mp,
                       "curve": {"steps": steps, "validationError": errs,
                                 "validationLoss": [x if x == x else "nan" for x in losses]}})
    return {"optimizer": opt, "optimizerName": opt, "batchSize": b, "sparsity": s,
            "trials": trials}


def mask(s):
    layers = [("conv1.w", 800, 0.9), ("conv1.b", 32, 0.0), ("conv2.w", 51200, 1.0),
              ("conv2.b", 64, 0.0), ("dense.w", 10240, 1.3), ("dense.b", 10, 0.0)]
    out = []
    for name, total, bias in layers:
        kept = round(total * min(1.0, (1 - s) * bias)) if bias > 0 else 0
        out.append({"layer": name, "kept": kept, "total": total})
    return {"sparsity": s, "method": "snip", "layers": out}


if __name__ == "__main__":
    main()
