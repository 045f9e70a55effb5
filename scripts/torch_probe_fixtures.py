#!/usr/bin/env python3
"""Writes the PyTorch fixture of the Lipschitz probe test (run with Debian's interpreter):

    /usr/bin/python3 scripts/torch_probe_fixtures.py [--out Tests/Fixtures/Probes]

An independent float64 computation of Lee et al.'s Lipschitz estimate (edps/check.py) on
Simple-CNN: the parameters, inputs, labels and 50% mask of scripts/torch_fixtures.py (same
SplitMix64 streams), a "split" of its first N examples, and one SGD step (learning rate 0.1) on
the mean gradient of the first B of them, masked as Stepwise's optimizer masks it. Then, with
Delta = w_cur - w_prev and grad the masked mean gradient over the whole split,

    L_gamma = ||grad(w_prev + gamma Delta) - grad(w_prev)|| / ||gamma Delta||,  gamma = 0.1..0.9

Writes lipschitz-simple-cnn.json: the ratios, their maximum, ||grad(w_prev)|| and ||Delta||.
"""
import argparse
import json
import os
import sys

import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import torch_fixtures as tf  # noqa: E402  (the shared streams and the Simple-CNN forward pass)


def masked_gradient(params, masks, layout, x, y):
    leaves = {k: v.clone().requires_grad_(True) for k, v in params.items()}
    loss = F.cross_entropy(tf.simple_cnn(leaves, x), y)
    loss.backward()
    return tf.flat({k: leaves[k].grad * masks[k] for k in leaves}, layout)


def unflat(vector, layout):
    return {name: part.reshape(shape) for name, shape, part in tf.slices(vector, layout)}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", default=os.path.join(os.path.dirname(__file__), "..", "Tests",
                                                  "Fixtures", "Probes"))
    ap.add_argument("--examples", type=int, default=32)
    ap.add_argument("--batch", type=int, default=8)
    ap.add_argument("--learning-rate", type=float, default=0.1)
    args = ap.parse_args()
    torch.set_num_threads(1)
    layout = tf.SIMPLE_CNN
    x, y = tf.make_batch((1, 28, 28), args.examples)
    masks = tf.make_masks(layout, 0.5)
    mask = tf.flat(masks, layout)
    w_prev = tf.flat(tf.make_params(layout), layout) * mask

    def grad_at(w, count):
        return masked_gradient(unflat(w, layout), masks, layout, x[:count], y[:count])

    step_gradient = grad_at(w_prev, args.batch)
    w_cur = (w_prev - args.learning_rate * step_gradient) * mask
    delta = w_cur - w_prev
    g_prev = grad_at(w_prev, args.examples)
    gammas = [g / 10 for g in range(1, 10)]
    ratios = []
    for gamma in gammas:
        g = grad_at(w_prev + gamma * delta, args.examples)
        ratios.append(((g - g_prev).norm() / (gamma * delta).norm()).item())
    fixture = {
        "format": "stepwise-probe-fixture", "version": 1, "model": "simple-cnn",
        "examples": args.examples, "step_batch": args.batch,
        "learning_rate": args.learning_rate, "sparsity": 0.5, "gammas": gammas,
        "ratios": ratios, "estimate": max(ratios), "gradient_norm": g_prev.norm().item(),
        "step_norm": delta.norm().item(), "torch": torch.__version__,
    }
    os.makedirs(args.out, exist_ok=True)
    path = os.path.join(args.out, "lipschitz-simple-cnn.json")
    with open(path, "w") as f:
        json.dump(fixture, f, indent=1)
        f.write("\n")
    print(f"{path}: L = {max(ratios):.6f}, ratios {[f'{r:.5f}' for r in ratios]}")


if __name__ == "__main__":
    main()
