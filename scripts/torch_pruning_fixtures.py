#!/usr/bin/python3
"""PyTorch reference masks for Stepwise's pruning tests (SNIP and GraSP on Simple-CNN).

Run with Debian's PyTorch (python3-torch 1.13):  /usr/bin/python3 scripts/torch_pruning_fixtures.py
It reads the first 200 MNIST training images from /work/shared/data/mnist (raw IDX; override with
--mnist) and writes Tests/PruningTests/Fixtures/simple_cnn_pruning.{json,bin}. CI has no PyTorch,
so the outputs are committed; rerun only when the fixture's definition changes.

Layout (must match Pruning's `SequentialModel.simpleCNN` and Network's parameter store):
  conv1.weight [32,1,5,5] OIHW, conv1.bias [32], conv2.weight [64,32,5,5], conv2.bias [64],
  dense1.weight [10,1024] ([out, in]), dense1.bias [10], concatenated in that order;
  the flatten before the dense layer is NCHW, i.e. feature index c*16 + h*4 + w.

Images are stored as the raw uint8 pixels; the model's input is (x / 255 - mean) / std computed
in float32, mean 0.13066062, std 0.30810776 (Lee et al.'s MNIST constants).

Every mask is computed twice: in float64 (parameters and inputs widened from float32), which a
Double implementation should reproduce exactly, and in float32 as the official codes run, which a
Float implementation should match up to near-ties at the threshold.

Ranking rules (Stepwise's, documented in Sources/Pruning/TopKSelection.swift):
  SNIP: keep the round-half-even(N * (1 - s)) largest scores; ties go to the lower flat index
        (tf.nn.top_k's rule), implemented with a stable argsort.
  GraSP: the official rule; remove k = int(N * s): keep score <= the k-th largest score.
"""
import argparse
import json
import os

import numpy as np
import torch
import torch.nn.functional as F

MEAN, STD = 0.13066062, 0.30810776
SHAPES = [
    ("conv1.weight", "weight", (32, 1, 5, 5)),
    ("conv1.bias", "bias", (32,)),
    ("conv2.weight", "weight", (64, 32, 5, 5)),
    ("conv2.bias", "bias", (64,)),
    ("dense1.weight", "weight", (10, 1024)),
    ("dense1.bias", "bias", (10,)),
]
SEED = 20210503


def read_idx(path, offset, count, item):
    with open(path, "rb") as f:
        raw = f.read()
    return np.frombuffer(raw, dtype=np.uint8, offset=offset)[: count * item]


def init_parameters():
    """Lee et al.'s init: truncated normal at +-2 sigma with std sqrt(1/fan_in); zero biases."""
    gen = torch.Generator().manual_seed(SEED)
    params = []
    for name, role, shape in SHAPES:
        if role == "bias":
            params.append(torch.zeros(shape))
            continue
        fan_in = int(np.prod(shape[1:]))
        sigma = (1.0 / fan_in) ** 0.5 / 0.87962566
        t = torch.empty(shape)
        # Rejection sampling keeps the draw on our generator (trunc_normal_ takes none in 1.13).
        flat = torch.empty(0)
        while flat.numel() < t.numel():
            draw = torch.randn(t.numel(), generator=gen) * sigma
            flat = torch.cat([flat, draw[draw.abs() <= 2 * sigma]])
        params.append(flat[: t.numel()].reshape(shape))
    return params


def forward(p, x):
    h = F.max_pool2d(F.relu(F.conv2d(x, p[0], p[1])), 2)
    h = F.max_pool2d(F.relu(F.conv2d(h, p[2], p[3])), 2)
    return F.linear(h.flatten(1), p[4], p[5])


def leaves(params, dtype):
    return [q.to(dtype).clone().requires_grad_(True) for q in params]


def flat(tensors):
    return torch.cat([t.detach().flatten() for t in tensors])


def prunable_indices(role_filter):
    out, offset = [], 0
    for name, role, shape in SHAPES:
        n = int(np.prod(shape))
        if role in role_filter:
            out.append(np.arange(offset, offset + n))
        offset += n
    return out


def keep_top(scores, groups, sparsity):
    keep = np.zeros(len(scores), dtype=bool)
    for g in groups:
        kappa = int(round(len(g) * (1 - sparsity)))  # Python 3 round: half to even
        order = np.argsort(-scores[g], kind="stable")  # descending, ties by index ascending
        keep[g[order[:kappa]]] = True
    return keep


def snip(params, batches, dtype, roles, scope, sparsity):
    """|theta * sum_b grad(mean loss of batch b)| / sum, ranked."""
    p = leaves(params, dtype)
    grads = [torch.zeros_like(q) for q in p]
    for x, y in batches:
        loss = F.cross_entropy(forward(p, x.to(dtype)), y)
        for acc, g in zip(grads, torch.autograd.grad(loss, p)):
            acc += g
    theta, g = flat(p), flat(grads)
    groups = prunable_indices(roles)
    idx = np.concatenate(groups)
    raw = (theta * g).abs()
    scores = np.zeros(len(theta))
    sel = torch.as_tensor(idx)
    normalised = raw[sel] / raw[sel].sum()
    scores[idx] = normalised.numpy().astype(np.float64)
    if scope == "global":
        groups = [idx]
    keep = keep_top(scores, groups, sparsity)
    mask = np.ones(len(theta), dtype=bool)
    mask[idx] = keep[idx]
    return mask, scores


def grasp_fetch(images, labels, per_class, classes=10):
    """GraSP_fetch_data: the first per_class examples of each class, grouped by class."""
    chosen = [[] for _ in range(classes)]
    for i, label in enumerate(labels.tolist()):
        if len(chosen[label]) < per_class:
            chosen[label].append(i)
    order = [i for c in chosen for i in c]
    assert all(len(c) == per_class for c in chosen)
    return images[order], labels[order], order


def grasp(params, x, y, dtype, sparsity, temperature=200.0):
    """The official GraSP: two halves, g = sum of half gradients, Hg accumulated by double
    backward, score -theta * Hg over Conv/Linear weights, normalised by |sum| + 1e-10."""
    p = leaves(params, dtype)
    weights = [p[0], p[2], p[4]]
    n = x.shape[0]
    halves = [(x[: n // 2].to(dtype), y[: n // 2]), (x[n // 2 :].to(dtype), y[n // 2 :])]
    grad_w = None
    for xi, yi in halves:
        g = torch.autograd.grad(F.cross_entropy(forward(p, xi) / temperature, yi), weights)
        grad_w = [t.detach() for t in g] if grad_w is None else [a + b for a, b in zip(grad_w, g)]
    for xi, yi in halves:
        grad_f = torch.autograd.grad(
            F.cross_entropy(forward(p, xi) / temperature, yi), weights, create_graph=True
        )
        z = sum((a * b).sum() for a, b in zip(grad_w, grad_f))
        z.backward()
    scores_w = [(-w.detach() * w.grad) for w in weights]
    all_scores = torch.cat([s.flatten() for s in scores_w])
    norm = torch.abs(torch.sum(all_scores)) + 1e-10
    all_scores = all_scores / norm
    k = int(len(all_scores) * sparsity)
    threshold = torch.topk(all_scores, k, sorted=True)[0][-1]
    keep_w = (all_scores <= threshold).numpy()
    idx = np.concatenate(prunable_indices({"weight"}))
    total = sum(int(np.prod(s)) for _, _, s in SHAPES)
    mask = np.ones(total, dtype=bool)
    mask[idx] = keep_w
    scores = np.zeros(total)
    scores[idx] = all_scores.numpy().astype(np.float64)
    hg = np.zeros(total)
    hg[idx] = torch.cat([w.grad.flatten() for w in weights]).numpy().astype(np.float64)
    return mask, scores, hg


def pack(mask):
    return np.packbits(mask.astype(np.uint8), bitorder="little").tobytes().hex()


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    parser = argparse.ArgumentParser()
    parser.add_argument("--mnist", default="/work/shared/data/mnist")
    parser.add_argument("--out", default=os.path.join(here, "..", "Tests", "PruningTests", "Fixtures"))
    args = parser.parse_args()
    torch.set_num_threads(1)

    count = 200
    pixels = read_idx(os.path.join(args.mnist, "train-images-idx3-ubyte"), 16, count, 784)
    labels_u8 = read_idx(os.path.join(args.mnist, "train-labels-idx1-ubyte"), 8, count, 1)
    x = (torch.tensor(pixels.reshape(count, 1, 28, 28)).float() / 255 - MEAN) / STD
    y = torch.tensor(labels_u8.astype(np.int64))
    params = init_parameters()
    theta = flat(params).numpy().astype(np.float32)

    batches = [(x[:100], y[:100]), (x[100:], y[100:])]
    gx, gy, order = grasp_fetch(x, y, 10)
    cases = [
        ("snip-lee", "snip", dict(examples="all", prunable="weightsAndBiases", scope="global",
                                  sparsity=0.9), lambda dt: snip(params, batches, dt,
                                  {"weight", "bias"}, "global", 0.9)),
        ("snip-original", "snip", dict(examples="count:100", prunable="weightsAndBiases",
                                       scope="global", sparsity=0.5),
         lambda dt: snip(params, batches[:1], dt, {"weight", "bias"}, "global", 0.5)),
        ("snip-weights-layerwise", "snip", dict(examples="all", prunable="weights",
                                                scope="layerwise", sparsity=0.7),
         lambda dt: snip(params, batches, dt, {"weight"}, "layerwise", 0.7)),
        ("grasp-official", "grasp", dict(examples="perClass:10", prunable="weights",
                                         scope="global", sparsity=0.9, temperature=200.0),
         lambda dt: grasp(params, gx, gy, dt, 0.9)),
        ("grasp-half", "grasp", dict(examples="perClass:10", prunable="weights",
                                     scope="global", sparsity=0.5, temperature=200.0),
         lambda dt: grasp(params, gx, gy, dt, 0.5)),
    ]
    blob = bytearray()
    sections = {}

    def add(name, array):
        sections[name] = {"offset": len(blob), "count": int(array.size), "dtype": str(array.dtype)}
        blob.extend(array.tobytes())

    add("parameters", theta)
    add("pixels", pixels.copy())
    add("labels", labels_u8.copy())
    out_cases = []
    for name, method, config, run in cases:
        r64 = run(torch.float64)
        r32 = run(torch.float32)
        m64, m32 = r64[0], r32[0]
        entry = dict(name=name, method=method, configuration=config,
                     mask64=pack(m64), mask32=pack(m32),
                     kept64=int(m64.sum()), kept32=int(m32.sum()),
                     overlap32vs64=float((m64 == m32).mean()))
        if name in ("snip-lee", "grasp-official"):
            add(name + ".scores64", r64[1].astype(np.float64))
        if method == "grasp":
            entry["graspSampleOrder"] = order
        out_cases.append(entry)
        print(f"{name}: kept64={entry['kept64']} kept32={entry['kept32']} "
              f"float32/float64 agreement={entry['overlap32vs64']:.6f}")

    meta = dict(
        format="stepwise-pruning-fixture", version=1,
        generator="scripts/torch_pruning_fixtures.py", torch=torch.__version__, seed=SEED,
        mean=MEAN, std=STD, imageShape=[1, 28, 28], batchSize=100,
        tensors=[dict(name=n, role=r, shape=list(s)) for n, r, s in SHAPES],
        sections=sections, cases=out_cases,
        maskEncoding="hex of numpy.packbits(mask, bitorder='little'): bit i of byte i//8 is entry i",
    )
    os.makedirs(args.out, exist_ok=True)
    with open(os.path.join(args.out, "simple_cnn_pruning.bin"), "wb") as f:
        f.write(bytes(blob))
    with open(os.path.join(args.out, "simple_cnn_pruning.json"), "w") as f:
        json.dump(meta, f, indent=1)
        f.write("\n")
    print(f"wrote {len(blob)} bytes of arrays")


if __name__ == "__main__":
    main()
