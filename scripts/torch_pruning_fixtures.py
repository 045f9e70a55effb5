#!/usr/bin/python3
"""PyTorch reference masks for Stepwise's pruning tests (SNIP and GraSP on Simple-CNN, GraSP on
ResNet-8).

Run with Debian's PyTorch (python3-torch 1.13):  /usr/bin/python3 scripts/torch_pruning_fixtures.py
(--which simple-cnn | resnet-8 | all, the default). Simple-CNN reads the first 200 MNIST training
images from /work/shared/data/mnist (raw IDX; override with --mnist) and writes
Tests/PruningTests/Fixtures/simple_cnn_pruning.{json,bin}; ResNet-8 needs no data (see
resnet8_main) and writes resnet8_grasp.{json,bin}. CI has no PyTorch, so the outputs are
committed; rerun only when a fixture's definition changes.

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
import math
import os
import sys

import numpy as np
import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from torch_fixtures import MASK64, SplitMix64  # noqa: E402  (the scripts' one SplitMix64)

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


def grasp_scores(forward_fn, params, weight_ids, x, y, dtype, temperature=200.0):
    """The official GraSP (grasp/pruner/GraSP.py): two halves; g = the sum of the halves' weight
    gradients; H g accumulated by double backward (create_graph=True) over each half; score
    -theta * Hg over the weights, divided by |sum| + 1e-10. Returns scores and Hg (weights)."""
    p = leaves(params, dtype)
    weights = [p[i] for i in weight_ids]
    n = x.shape[0]
    halves = [(x[: n // 2].to(dtype), y[: n // 2]), (x[n // 2 :].to(dtype), y[n // 2 :])]
    grad_w = None
    for xi, yi in halves:
        g = torch.autograd.grad(F.cross_entropy(forward_fn(p, xi) / temperature, yi), weights)
        grad_w = [t.detach() for t in g] if grad_w is None else [a + b for a, b in zip(grad_w, g)]
    for xi, yi in halves:
        grad_f = torch.autograd.grad(
            F.cross_entropy(forward_fn(p, xi) / temperature, yi), weights, create_graph=True)
        z = sum((a * b).sum() for a, b in zip(grad_w, grad_f))
        z.backward()
    scores = torch.cat([(-w.detach() * w.grad).flatten() for w in weights])
    scores = scores / (torch.abs(torch.sum(scores)) + 1e-10)
    hg = torch.cat([w.grad.flatten() for w in weights])
    return scores, hg


def grasp(params, x, y, dtype, sparsity, temperature=200.0):
    """The official GraSP: two halves, g = sum of half gradients, Hg accumulated by double
    backward, score -theta * Hg over Conv/Linear weights, normalised by |sum| + 1e-10."""
    all_scores, hg_w = grasp_scores(forward, params, [0, 2, 4], x, y, dtype, temperature)
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
    hg[idx] = hg_w.numpy().astype(np.float64)
    return mask, scores, hg


def write_fixture(out, stem, meta, blob):
    """The arrays as <stem>.bin and the metadata that locates them as <stem>.json."""
    with open(os.path.join(out, stem + ".bin"), "wb") as f:
        f.write(bytes(blob))
    with open(os.path.join(out, stem + ".json"), "w") as f:
        json.dump(meta, f, indent=1)
        f.write("\n")
    print(f"wrote {len(blob)} bytes of arrays")


def pack(mask):
    return np.packbits(mask.astype(np.uint8), bitorder="little").tobytes().hex()


def simple_cnn_main(args):
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
    write_fixture(args.out, "simple_cnn_pruning", meta, blob)


# ---------------------------------------------------------------------------------------------
# ResNet-8 (Lee et al. 2021, no batch norm) GraSP reference.
#
# Weights and images are not stored: both are drawn from SplitMix64 (Sources/Pruning/
# SplitMix64.swift), which the Swift test repeats bit for bit, and the fixture records FNV-1a
# digests of the float32 bytes so that a drift in either generator fails loudly. A value is
# u = (next() >> 11) * 2**-53 * 2 - 1 in float64 (uniform in [-1, 1)), times a scale in float64,
# rounded once to float32: IEEE arithmetic makes that identical in Python and Swift.
#   weights: scale sqrt(3 / fan_in) (variance 1/fan_in, Lee et al.'s fan-in scaling), tensors in
#            store order, one generator seeded RESNET_WEIGHT_SEED; biases 0 (as at init).
#   images:  100 images of 3x32x32, scale 1, generator seeded RESNET_IMAGE_SEED; label of image i
#            is (7 i + 3) mod 10, so each class has 10 images, interleaved (GraSP's per-class
#            selection has to regroup them).
#
# Layout (Network's ModelDescription.resnet8 and Pruning's SequentialModel.resnet8):
#   conv1 3->16, [block 16: relu, conv2 16->16, relu, conv3 16->16; shortcut x (pre-relu)],
#   relu, [block 32: conv4 16->32 stride 2, relu, conv5 32->32; shortcut avgpool2(x) with
#   channels 16..31 zero], relu, [block 64: conv6 32->64 stride 2, relu, conv7; shortcut likewise],
#   relu, global average pool, dense1 64->10. All convs 3x3 with bias and TensorFlow SAME padding:
#   at stride 1 one pixel each side; at stride 2 on even sizes nothing before and one after (so
#   F.pad then padding=0, not nn.Conv2d(padding=1), which torch_baseline.py's ResNet8L21 uses;
#   ResNet8L21 also takes the first block's shortcut after the ReLU, where edps and Stepwise
#   take it before). Parameters 75,050.
# ---------------------------------------------------------------------------------------------
RESNET_WEIGHT_SEED = 2021_0801
RESNET_IMAGE_SEED = 2021_0802
RESNET_IMAGES = 100


def resnet8_shapes(classes=10):
    shapes, previous = [], 3
    for i, channels in enumerate([16, 16, 16, 32, 32, 64, 64]):
        shapes.append((f"conv{i + 1}.weight", "weight", (channels, previous, 3, 3)))
        shapes.append((f"conv{i + 1}.bias", "bias", (channels,)))
        previous = channels
    shapes += [("dense1.weight", "weight", (classes, 64)), ("dense1.bias", "bias", (classes,))]
    return shapes


def fnv1a(data):
    h = 0xCBF29CE484222325
    for byte in data:
        h = ((h ^ byte) * 0x100000001B3) & MASK64
    return f"{h:016x}"


def resnet8_parameters(shapes):
    gen = SplitMix64(RESNET_WEIGHT_SEED)
    out = []
    for _, role, shape in shapes:
        n = int(np.prod(shape))
        if role == "bias":
            out.append(np.zeros(n, dtype=np.float32))
            continue
        scale = math.sqrt(3.0 / int(np.prod(shape[1:])))
        out.append(np.array([gen.uniform() * scale for _ in range(n)], dtype=np.float32))
    return np.concatenate(out)


def resnet8_images():
    gen = SplitMix64(RESNET_IMAGE_SEED)
    n = RESNET_IMAGES * 3 * 32 * 32
    images = np.array([gen.uniform() for _ in range(n)], dtype=np.float32)
    labels = np.array([(7 * i + 3) % 10 for i in range(RESNET_IMAGES)], dtype=np.int64)
    return images, labels


def conv_same(x, w, b, stride):
    """TensorFlow SAME: out = ceil(in / stride), the odd padding pixel after."""
    k, size = w.shape[2], x.shape[2]
    out = (size + stride - 1) // stride
    total = max((out - 1) * stride + k - size, 0)
    before, after = total // 2, total - total // 2
    return F.conv2d(F.pad(x, (before, after, before, after)), w, b, stride)


def resnet8_forward(p, x):
    h = conv_same(x, p[0], p[1], 1)
    h = h + conv_same(F.relu(conv_same(F.relu(h), p[2], p[3], 1)), p[4], p[5], 1)
    for first, pad in ((6, 16), (10, 32)):
        h = F.relu(h)
        body = conv_same(F.relu(conv_same(h, p[first], p[first + 1], 2)),
                         p[first + 2], p[first + 3], 1)
        h = body + F.pad(F.avg_pool2d(h, 2, 2), (0, 0, 0, 0, 0, pad))
    return F.linear(F.relu(h).mean(dim=(2, 3)), p[14], p[15])


def grasp_keep(scores, sparsity):
    """The official rule: remove k = int(N s); keep every score <= the k-th largest."""
    k = int(len(scores) * sparsity)
    threshold = torch.topk(scores, k, sorted=True)[0][-1]
    return (scores <= threshold).numpy(), float(threshold)


def resnet8_main(args):
    shapes = resnet8_shapes()
    theta = resnet8_parameters(shapes)
    assert theta.size == 75050
    images, labels = resnet8_images()
    params, offset = [], 0
    for _, _, shape in shapes:
        n = int(np.prod(shape))
        params.append(torch.tensor(theta[offset : offset + n]).reshape(shape))
        offset += n
    x = torch.tensor(images).reshape(RESNET_IMAGES, 3, 32, 32)
    gx, gy, order = grasp_fetch(x, torch.tensor(labels), 10)
    weight_ids = [i for i, (_, role, _) in enumerate(shapes) if role == "weight"]
    idx, offset = [], 0
    for _, role, shape in shapes:
        n = int(np.prod(shape))
        if role == "weight":
            idx.append(np.arange(offset, offset + n))
        offset += n
    idx = np.concatenate(idx)

    runs = {dt: grasp_scores(resnet8_forward, params, weight_ids, gx, gy, dt)
            for dt in (torch.float64, torch.float32)}
    hg64 = np.zeros(theta.size, dtype=np.float32)
    hg64[idx] = runs[torch.float64][1].numpy()
    blob = bytearray()
    sections = {}
    sections["hg64"] = {"offset": 0, "count": int(hg64.size), "dtype": "float32"}
    blob.extend(hg64.tobytes())

    cases = []
    for name, sparsity in (("grasp-resnet8-90", 0.9), ("grasp-resnet8-50", 0.5)):
        masks, kept, thresholds = {}, {}, {}
        for dt, label in ((torch.float64, "64"), (torch.float32, "32")):
            keep_w, thresholds[label] = grasp_keep(runs[dt][0], sparsity)
            mask = np.ones(theta.size, dtype=bool)
            mask[idx] = keep_w
            masks[label], kept[label] = mask, int(mask.sum())
        entry = dict(name=name, method="grasp",
                     configuration=dict(examples="perClass:10", prunable="weights",
                                        scope="global", sparsity=sparsity, temperature=200.0),
                     mask64=pack(masks["64"]), mask32=pack(masks["32"]),
                     kept64=kept["64"], kept32=kept["32"], threshold64=thresholds["64"],
                     overlap32vs64=float((masks["64"] == masks["32"]).mean()),
                     graspSampleOrder=order)
        cases.append(entry)
        print(f"{name}: kept64={entry['kept64']} kept32={entry['kept32']} "
              f"float32/float64 agreement={entry['overlap32vs64']:.6f}")
    hg32 = runs[torch.float32][1].double()
    hg_ref = runs[torch.float64][1]
    print("float32 vs float64 H g relative L2 error:",
          float(torch.linalg.norm(hg32 - hg_ref) / torch.linalg.norm(hg_ref)))
    meta = dict(
        format="stepwise-resnet8-grasp-fixture", version=1,
        generator="scripts/torch_pruning_fixtures.py", torch=torch.__version__,
        weightSeed=RESNET_WEIGHT_SEED, imageSeed=RESNET_IMAGE_SEED, images=RESNET_IMAGES,
        imageShape=[3, 32, 32], labelRule="(7 i + 3) mod 10",
        parametersFNV1a=fnv1a(theta.tobytes()), imagesFNV1a=fnv1a(images.tobytes()),
        tensors=[dict(name=n, role=r, shape=list(s)) for n, r, s in shapes],
        sections=sections, cases=cases,
        hgNote="hg64: PyTorch float64 H g over the weights, stored as float32, 0 on biases",
        maskEncoding="hex of numpy.packbits(mask, bitorder='little'): bit i of byte i//8 is entry i",
    )
    write_fixture(args.out, "resnet8_grasp", meta, blob)


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    parser = argparse.ArgumentParser()
    parser.add_argument("--mnist", default="/work/shared/data/mnist")
    parser.add_argument("--out", default=os.path.join(here, "..", "Tests", "PruningTests", "Fixtures"))
    parser.add_argument("--which", choices=["all", "simple-cnn", "resnet-8"], default="all")
    args = parser.parse_args()
    torch.set_num_threads(1)
    os.makedirs(args.out, exist_ok=True)
    if args.which in ("all", "simple-cnn"):
        simple_cnn_main(args)
    if args.which in ("all", "resnet-8"):
        resnet8_main(args)


if __name__ == "__main__":
    main()
