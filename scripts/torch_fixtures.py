#!/usr/bin/env python3
"""Writes the PyTorch fixtures of Tests/NetworkTests (run with Debian's interpreter):

    /usr/bin/python3 scripts/torch_fixtures.py [--out Tests/NetworkTests/Fixtures]

Builds Lee et al.'s Simple-CNN and ResNet-8 (no batch norm, TensorFlow SAME padding and shortcuts
as in edps/network.py) in float64, loads parameters, inputs, labels and masks that both sides
draw from SplitMix64 streams (so nothing large is stored), runs a few steps of SGD, heavy-ball
momentum and Nesterov (torch.optim.SGD, dampening 0), dense and with a 50% mask applied as
mask * w in every forward pass (edps/model.py::apply_mask), and writes:

  fixtures.json  metadata, losses per step, per-tensor norms, where each array is in the .bin
  fixtures.bin   float32 little-endian arrays (step-0 gradients, final effective weights, samples)

Parameter layout = Stepwise's ParameterStore: layer order, weight before bias, conv OIHW,
linear (out, in). Streams: parameters seed 1, inputs seed 2, masks seed 3, labels seed 4.
"""
import argparse
import json
import math
import os
import struct

import torch
import torch.nn.functional as F

MASK64 = (1 << 64) - 1


class SplitMix64:
    def __init__(self, seed):
        self.state = seed & MASK64

    def next(self):
        self.state = (self.state + 0x9E3779B97F4A7C15) & MASK64
        z = self.state
        z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & MASK64
        z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & MASK64
        return z ^ (z >> 31)

    def unit(self):
        """Uniform in [0, 1) from the top 53 bits."""
        return (self.next() >> 11) * 2.0 ** -53

    def uniform(self):
        """Uniform in [-1, 1) (the pruning tests' TinyNetworks.uniform)."""
        return self.unit() * 2 - 1


# ------------------------------------------------------------------ models (float64)
def tf_same_pads(size, k, s):
    out = (size + s - 1) // s
    total = max((out - 1) * s + k - size, 0)
    return total // 2, total - total // 2


def conv_same(x, w, b, stride):
    k = w.shape[-1]
    top, bottom = tf_same_pads(x.shape[2], k, stride)
    left, right = tf_same_pads(x.shape[3], k, stride)
    return F.conv2d(F.pad(x, (left, right, top, bottom)), w, b, stride)


SIMPLE_CNN = [("conv1.weight", (32, 1, 5, 5)), ("conv1.bias", (32,)),
              ("conv2.weight", (64, 32, 5, 5)), ("conv2.bias", (64,)),
              ("dense1.weight", (10, 1024)), ("dense1.bias", (10,))]


def simple_cnn(p, x):
    x = F.max_pool2d(F.relu(F.conv2d(x, p["conv1.weight"], p["conv1.bias"])), 2, 2)
    x = F.max_pool2d(F.relu(F.conv2d(x, p["conv2.weight"], p["conv2.bias"])), 2, 2)
    return F.linear(torch.flatten(x, 1), p["dense1.weight"], p["dense1.bias"])


def resnet8_layout():
    layout = [("conv1.weight", (16, 3, 3, 3)), ("conv1.bias", (16,))]
    cin, n = 16, 1
    for cout in (16, 32, 64):
        for i in range(2):
            n += 1
            layout += [(f"conv{n}.weight", (cout, cin if i == 0 else cout, 3, 3)),
                       (f"conv{n}.bias", (cout,))]
        cin = cout
    return layout + [("dense1.weight", (10, 64)), ("dense1.bias", (10,))]


RESNET8 = resnet8_layout()


def resnet8(p, x):
    """edps/network.py::ResNetNB: block 1 keeps the pre-relu identity shortcut; blocks 2 and 3
    take relu first, then avgpool-2 with zero-padded channels."""
    x = conv_same(x, p["conv1.weight"], p["conv1.bias"], 1)
    n = 1
    for cout, stride in ((16, 1), (32, 2), (64, 2)):
        shortcut = x
        x = F.relu(x)
        if stride != 1:
            sc = F.avg_pool2d(x, stride, stride)
            shortcut = F.pad(sc, (0, 0, 0, 0, 0, cout - sc.shape[1]))
        x = conv_same(x, p[f"conv{n + 1}.weight"], p[f"conv{n + 1}.bias"], stride)
        x = conv_same(F.relu(x), p[f"conv{n + 2}.weight"], p[f"conv{n + 2}.bias"], 1)
        x = x + shortcut
        n += 2
    x = F.relu(x).mean(dim=(2, 3))
    return F.linear(x, p["dense1.weight"], p["dense1.bias"])


# ------------------------------------------------------------------ deterministic data
def fan_in(shape):
    return shape[1] * (shape[2] * shape[3] if len(shape) == 4 else 1)


def make_params(layout):
    """Weights uniform on +-sqrt(3/fan_in); biases uniform on +-0.1 (non-zero to test them)."""
    rng = SplitMix64(1)
    params = {}
    for name, shape in layout:
        count = math.prod(shape)
        if name.endswith("weight"):
            limit = math.sqrt(3.0 / fan_in(shape))
        else:
            limit = 0.1
        values = [(2 * rng.unit() - 1) * limit for _ in range(count)]
        params[name] = torch.tensor(values, dtype=torch.float64).reshape(shape)
    return params


def make_masks(layout, sparsity):
    rng = SplitMix64(3)
    masks = {}
    for name, shape in layout:
        count = math.prod(shape)
        values = [0.0 if rng.unit() < sparsity else 1.0 for _ in range(count)]
        masks[name] = torch.tensor(values, dtype=torch.float64).reshape(shape)
    return masks


def make_batch(shape, batch):
    rng = SplitMix64(2)
    count = batch * math.prod(shape)
    x = torch.tensor([2 * rng.unit() - 1 for _ in range(count)], dtype=torch.float64)
    labels_rng = SplitMix64(4)
    y = torch.tensor([labels_rng.next() % 10 for _ in range(batch)], dtype=torch.long)
    return x.reshape(batch, *shape), y


def flat(tensors, layout):
    return torch.cat([tensors[name].reshape(-1) for name, _ in layout])


# ------------------------------------------------------------------ decision margins
# A float32 trainer compared with this float64 one can only agree to 1e-4 where no discrete
# decision is within rounding distance: a ReLU input near 0, or two entries of a max-pool window
# nearly tied (the gradient goes to one entry or the other: a whole input patch moves between
# them in the weight gradient). Float32 accumulation over these layers errs by about 1e-7, so
# every case must keep its decisions farther apart than the bounds below; main() refuses to
# write fixtures that do not (seen: a pool gap of 2.8e-7 flipped on an AVX-512 machine and moved
# one conv2 filter by 1e-3 of the tensor's scale).
MIN_RELU_MARGIN = 2e-8
MIN_POOL_GAP = 5e-7


def pool_gap(r):
    """Smallest gap between the largest and second largest entry of a 2x2 window with a
    positive maximum (ties among zeros after ReLU send no gradient anywhere)."""
    b, c, h, w = r.shape
    windows = r.unfold(2, 2, 2).unfold(3, 2, 2).reshape(b, c, h // 2, w // 2, 4)
    top, _ = windows.sort(-1, descending=True)
    gaps = (top[..., 0] - top[..., 1])[top[..., 0] > 0]
    return gaps.min().item() if gaps.numel() else math.inf


def simple_cnn_margins(p, x):
    """(smallest |ReLU input|, smallest max-pool gap) of one Simple-CNN forward pass."""
    a1 = F.conv2d(x, p["conv1.weight"], p["conv1.bias"])
    h1 = F.max_pool2d(F.relu(a1), 2, 2)
    a2 = F.conv2d(h1, p["conv2.weight"], p["conv2.bias"])
    relu = min(a1.abs().min().item(), a2.abs().min().item())
    return relu, min(pool_gap(F.relu(a1)), pool_gap(F.relu(a2)))


# ------------------------------------------------------------------ trajectories
def trajectory(forward, layout, x, y, optimizer, lr, momentum, masks, steps):
    params = {k: v.clone().requires_grad_(True) for k, v in make_params(layout).items()}
    ordered = [params[name] for name, _ in layout]
    if optimizer == "sgd":
        opt = torch.optim.SGD(ordered, lr=lr)
    else:
        opt = torch.optim.SGD(ordered, lr=lr, momentum=momentum, dampening=0,
                              nesterov=optimizer == "nesterov")
    losses, corrects, grad0 = [], [], None
    margins = [math.inf, math.inf]
    for step in range(steps):
        opt.zero_grad()
        effective = {k: (v * masks[k] if masks else v) for k, v in params.items()}
        if forward is simple_cnn:
            with torch.no_grad():
                relu, gap = simple_cnn_margins(effective, x)
            margins = [min(margins[0], relu), min(margins[1], gap)]
        logits = forward(effective, x)
        loss = F.cross_entropy(logits, y)
        loss.backward()
        losses.append(loss.item())
        corrects.append(int((logits.argmax(1) == y).sum()))
        if step == 0:
            grad0 = flat({k: v.grad for k, v in params.items()}, layout).detach()
        opt.step()
    final = {k: (v * masks[k] if masks else v).detach() for k, v in params.items()}
    return losses, corrects, grad0, flat(final, layout), margins


class Writer:
    def __init__(self):
        self.blob = bytearray()

    def add(self, tensor, stride=1):
        values = tensor.reshape(-1)[::stride].tolist()
        offset = len(self.blob) // 4
        self.blob += struct.pack(f"<{len(values)}f", *values)
        return {"offset": offset, "count": len(values), "stride": stride}


def slices(vector, layout):
    """(name, shape, 1-D slice) of each tensor of `layout` in the flat `vector`, in order."""
    start = 0
    for name, shape in layout:
        n = math.prod(shape)
        yield name, shape, vector[start:start + n]
        start += n


def norms(vector, layout):
    return {name: part.norm().item() for name, _, part in slices(vector, layout)}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", default=os.path.join(os.path.dirname(__file__), "..", "Tests",
                                                  "NetworkTests", "Fixtures"))
    ap.add_argument("--steps", type=int, default=5)
    args = ap.parse_args()
    torch.set_num_threads(1)
    writer = Writer()
    models = {
        "simple-cnn": (simple_cnn, SIMPLE_CNN, (1, 28, 28), 8, 13),
        "resnet-8": (resnet8, RESNET8, (3, 32, 32), 4, 11),
    }
    # 0.025 for the momentum methods: at 0.02, heavy-ball momentum's step 2 had a max-pool gap of
    # 2.8e-7 (see MIN_POOL_GAP).
    optimizers = [("sgd", 0.05, 0.0), ("momentum", 0.025, 0.9), ("nesterov", 0.025, 0.9)]
    cases = []
    for model, (forward, layout, shape, batch, sample) in models.items():
        x, y = make_batch(shape, batch)
        for masked in (False, True):
            masks = make_masks(layout, 0.5) if masked else None
            for optimizer, lr, momentum in optimizers:
                losses, corrects, grad0, final, margins = trajectory(
                    forward, layout, x, y, optimizer, lr, momentum, masks, args.steps)
                if margins[0] < MIN_RELU_MARGIN or margins[1] < MIN_POOL_GAP:
                    raise SystemExit(
                        f"{model} {optimizer} masked={masked}: a decision within float32 "
                        f"rounding (smallest |relu input| {margins[0]:.1e}, pool gap "
                        f"{margins[1]:.1e}); choose another learning rate or input")
                full = model == "simple-cnn" and optimizer == "nesterov" and masked
                case = {
                    "model": model, "batch": batch, "optimizer": optimizer, "learning_rate": lr,
                    "momentum": momentum, "sparsity": 0.5 if masked else 0.0,
                    "steps": args.steps, "losses": losses, "correct": corrects,
                    "smallest_relu_input": margins[0] if math.isfinite(margins[0]) else None,
                    "smallest_pool_gap": margins[1] if math.isfinite(margins[1]) else None,
                    "gradient0_norms": norms(grad0, layout),
                    "final_norms": norms(final, layout),
                    "final_weights": writer.add(final, 1 if full else sample),
                }
                if optimizer == "sgd":
                    case["gradient0"] = writer.add(
                        grad0, 1 if model == "simple-cnn" and not masked else sample)
                cases.append(case)
                print(f"{model} {optimizer} masked={masked}: losses {[f'{l:.5f}' for l in losses]}")
    os.makedirs(args.out, exist_ok=True)
    with open(os.path.join(args.out, "fixtures.bin"), "wb") as f:
        f.write(writer.blob)
    meta = {"format": "stepwise-torch-fixtures", "version": 1, "torch": torch.__version__,
            "dtype": "float64 computed, float32 stored", "cases": cases}
    with open(os.path.join(args.out, "fixtures.json"), "w") as f:
        json.dump(meta, f, indent=1)
    print(f"wrote {len(writer.blob)} bytes of arrays and {len(cases)} cases to {args.out}")


if __name__ == "__main__":
    main()
