#!/usr/bin/python3
"""Stepwise against an independent PyTorch implementation of Lee et al.'s MNIST / Simple-CNN /
plain-SGD training (issue 17; docs/fidelity.md). Debian's interpreter and python3-torch 1.13:

  compare TRACE [--snip] [--json OUT]
      Equal-input comparison. TRACE is what Stepwise's FidelityTrace test writes
      (STEPWISE_FIDELITY_TRACE=TRACE): its initial weights, SNIP mask, batch indices and the
      parameters after every step. PyTorch trains from the same weights and mask on the same
      batches in float32 and in float64; per step it prints the loss of each, max |difference|
      of the parameters against the float64 run (Stepwise's and PyTorch float32's, so rounding
      is told from a systematic difference), per-layer norms and the validation error every
      100 steps. It also checks the batch indices against NumPy, the initial weights' std and
      truncation, that pruned weights stay exactly zero, and (--snip) SNIP on the same weights.
  snip TRACE
      PyTorch's SNIP (float64 and float32) on the trace's initial weights against its mask.
  seeds --study-seeds 0-7 --runs 0.316:0.9,0.1:0.9 --steps 1000 --out FILE
      Independent trials: PyTorch's own truncated-normal init (torch.manual_seed(s)), its own
      SNIP over the whole training split, its own data order (RandomState(1000 + s)); one JSON
      line per trial appended to FILE. A seed's mask is kept in --masks and reused across
      learning rates.
  summary FILE...
      Tables of validation error at steps 500 and 1000 per seed and side, mean, median, range.
  fixture TRACE --out Tests/TrainingTests/Fixtures/fidelity_trajectory.json
      The suite's equal-input fixture (TrainingTests/FidelityTrajectoryTests): PyTorch float64
      and float32 losses per step, the float32-vs-float64 envelope, per-layer norms, and the
      float64 weights after the fast and the slow test's last steps.

Data as Stepwise and Lee et al.: the official training files, RandomState(0).shuffle of
range(60000), the first 6,000 held out; pixels /255 standardised by the exact mean and std of
all 60,000 training images (Float32 of the float64 value); every epoch a fresh
RandomState(data_seed).shuffle of the 54,000 positions, batches running across epochs.
Masks act as Lee et al.'s apply_mask: the forward pass uses mask * w.
"""
import argparse
import base64
import itertools
import json
import math
import os
import statistics
import sys
import time

import numpy as np
import torch
import torch.nn.functional as F

sys.dont_write_bytecode = True  # keep scripts/ free of __pycache__
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from torch_pruning_fixtures import SHAPES, forward, keep_top, snip  # noqa: E402

MNIST = "/work/shared/data/mnist"
HOLDOUT = 6000
BATCH = 128


# ------------------------------------------------------------------ data
class Data:
    def __init__(self, root):
        with open(os.path.join(root, "train-images-idx3-ubyte"), "rb") as f:
            pixels = np.frombuffer(f.read(), np.uint8, offset=16).reshape(60000, 784)
        with open(os.path.join(root, "train-labels-idx1-ubyte"), "rb") as f:
            labels = np.frombuffer(f.read(), np.uint8, offset=8).astype(np.int64)
        order = list(range(60000))
        np.random.RandomState(0).shuffle(order)
        counts = np.bincount(pixels.reshape(-1), minlength=256).astype(object)
        n = pixels.size
        total = sum(int(c) * v for v, c in enumerate(counts))
        squares = sum(int(c) * v * v for v, c in enumerate(counts))
        mean = total / n
        std = math.sqrt(squares / n - mean * mean)
        self.mean, self.std = mean / 255, std / 255
        table = ((np.arange(256) / 255 - self.mean) / self.std).astype(np.float32)
        images = table[pixels].reshape(60000, 1, 28, 28)
        val, train = np.array(order[:HOLDOUT]), np.array(order[HOLDOUT:])
        self.train_x = torch.from_numpy(images[train].copy())
        self.train_y = torch.from_numpy(labels[train].copy())
        self.val_x = torch.from_numpy(images[val].copy())
        self.val_y = torch.from_numpy(labels[val].copy())


def random_state(seed):
    """NumPy's legacy seeding as Stepwise's MT19937: init_genrand below 2^32, else
    init_by_array over the two 32-bit words, low first."""
    seed = int(seed)
    if seed <= 0xFFFFFFFF:
        return np.random.RandomState(seed)
    return np.random.RandomState([seed & 0xFFFFFFFF, seed >> 32])


class Stream:
    """Lee et al.'s unlimited shuffled generator: a fresh shuffle per epoch."""

    def __init__(self, count, seed):
        self.count, self.rng = count, random_state(seed)
        self.order = np.arange(count)
        self.rng.shuffle(self.order)
        self.position = 0

    def next(self, batch):
        out = []
        while len(out) < batch:
            if self.position == self.count:
                self.order = np.arange(self.count)
                self.rng.shuffle(self.order)
                self.position = 0
            take = min(batch - len(out), self.count - self.position)
            out.extend(self.order[self.position:self.position + take])
            self.position += take
        return np.array(out, dtype=np.int64)


# ------------------------------------------------------------------ model and training
def layout():
    out, offset = [], 0
    for name, role, shape in SHAPES:
        count = int(np.prod(shape))
        fan_in = int(np.prod(shape[1:])) if role == "weight" else 1
        out.append(dict(name=name, role=role, shape=shape, offset=offset, count=count,
                        fan_in=fan_in))
        offset += count
    return out


LAYOUT = layout()
COUNT = sum(l["count"] for l in LAYOUT)


def split(flat, dtype):
    return [torch.tensor(np.asarray(flat[l["offset"]:l["offset"] + l["count"]]),
                         dtype=dtype).reshape(l["shape"]) for l in LAYOUT]


def torch_init(seed):
    """PyTorch's own truncated normal: std sqrt(1/fan_in) after truncation at +-2 raw sigma."""
    torch.manual_seed(seed)
    flat = []
    for l in LAYOUT:
        t = torch.zeros(l["shape"])
        if l["role"] == "weight":
            raw = math.sqrt(1.0 / l["fan_in"]) / 0.87962566103423978
            torch.nn.init.trunc_normal_(t, 0.0, raw, -2 * raw, 2 * raw)
        flat.append(t.reshape(-1))
    return torch.cat(flat).numpy()


def torch_snip(init, data, sparsity, dtype=torch.float32):
    batches = [(data.train_x[i:i + 100], data.train_y[i:i + 100])
               for i in range(0, len(data.train_y), 100)]
    mask, _ = snip(split(init, torch.float32), batches, dtype, {"weight", "bias"}, "global",
                   sparsity)
    return mask.astype(np.float32)


def error_rate(params, data, dtype):
    wrong = 0
    with torch.no_grad():
        for i in range(0, len(data.val_y), 1000):
            logits = forward(params, data.val_x[i:i + 1000].to(dtype))
            wrong += int((logits.argmax(1) != data.val_y[i:i + 1000]).sum())
    return wrong / len(data.val_y)


class Trainer:
    """Plain SGD on mean cross-entropy, forward through mask * w."""

    def __init__(self, init, mask, lr, dtype):
        self.dtype = dtype
        self.params = [p.requires_grad_(True) for p in split(init, dtype)]
        self.masks = split(mask, dtype)
        self.opt = torch.optim.SGD(self.params, lr=lr)

    def effective(self):
        return [p * m for p, m in zip(self.params, self.masks)]

    def step(self, x, y):
        self.opt.zero_grad()
        loss = F.cross_entropy(forward(self.effective(), x.to(self.dtype)), y)
        loss.backward()
        self.opt.step()
        return loss.item()

    def flat(self):
        with torch.no_grad():
            return torch.cat([e.reshape(-1) for e in self.effective()]).double().numpy()

    def error(self, data):
        with torch.no_grad():
            return error_rate(self.effective(), data, self.dtype)


def layer_max(diff):
    return {l["name"]: float(np.abs(diff[l["offset"]:l["offset"] + l["count"]]).max())
            for l in LAYOUT}


def layer_norms(flat):
    return {l["name"]: float(np.linalg.norm(flat[l["offset"]:l["offset"] + l["count"]]))
            for l in LAYOUT}


# ------------------------------------------------------------------ compare
def load_trace(path):
    with open(os.path.join(path, "meta.json")) as f:
        meta = json.load(f)
    init = np.fromfile(os.path.join(path, "init.f32"), "<f4")
    mask = np.fromfile(os.path.join(path, "mask.f32"), "<f4")
    indices = np.fromfile(os.path.join(path, "indices.i32"), "<i4").reshape(meta["steps"], -1)
    params = np.memmap(os.path.join(path, "params.f32"), "<f4", "r",
                       shape=(meta["steps"], len(init)))
    assert [l["name"] for l in meta["layers"]] == [l["name"] for l in LAYOUT]
    return meta, init, mask, indices, params


def check_init(init, mask):
    rows = []
    for l in LAYOUT:
        w = init[l["offset"]:l["offset"] + l["count"]].astype(np.float64)
        if l["role"] == "bias":
            rows.append(dict(name=l["name"], all_zero=bool((w == 0).all())))
            continue
        target = math.sqrt(1.0 / l["fan_in"])
        raw = target / 0.87962566103423978
        rows.append(dict(name=l["name"], fan_in=l["fan_in"], std_over_target=float(w.std() / target),
                         mean_over_target=float(w.mean() / target),
                         max_over_raw_sigma=float(np.abs(w).max() / raw),
                         beyond_1_9=float((np.abs(w) > 1.9 * raw).mean()),
                         density=float(mask[l["offset"]:l["offset"] + l["count"]].mean())))
    return rows


def snip_agreement(init, mask, data, sparsity):
    """PyTorch's SNIP on the same weights, in float64 and float32: entries that differ from
    Stepwise's mask, and how close to the cut-off their float64 scores lie."""
    out = {}
    for name, dtype in (("float64", torch.float64), ("float32", torch.float32)):
        batches = [(data.train_x[i:i + 100], data.train_y[i:i + 100])
                   for i in range(0, len(data.train_y), 100)]
        theirs, scores = snip(split(init, torch.float32), batches, dtype, {"weight", "bias"},
                              "global", sparsity)
        differs = np.flatnonzero(theirs.astype(np.float32) != mask)
        cut = np.sort(scores)[::-1][int(round(len(scores) * (1 - sparsity))) - 1]
        out[name] = dict(differs=int(len(differs)), cut_off=float(cut),
                         their_scores=[float(scores[i]) for i in differs[:10]])
    return out


def snip_only(args):
    meta, init, mask, _, _ = load_trace(args.trace)
    print(json.dumps(snip_agreement(init, mask, Data(args.mnist), meta["sparsity"]), indent=1))


def compare(args):
    torch.set_num_threads(args.threads)
    meta, init, mask, indices, sw = load_trace(args.trace)
    data = Data(args.mnist)
    report = dict(trace=os.path.abspath(args.trace), init=check_init(init, mask),
                  mean=data.mean, std=data.std)
    stream = Stream(len(data.train_y), int(meta["data_seed"]))
    numpy_indices = np.stack([stream.next(meta["batch"]) for _ in range(meta["steps"])])
    report["indices_equal_numpy"] = bool((numpy_indices == indices).all())
    pruned = mask == 0
    report["pruned_stay_zero"] = bool(all((sw[s][pruned] == 0).all()
                                          for s in range(meta["steps"])))
    if args.snip:
        report["snip"] = snip_agreement(init, mask, data, meta["sparsity"])
    print(json.dumps({k: v for k, v in report.items()}, indent=1))
    lr = meta["learning_rate"]
    t64 = Trainer(init, mask, lr, torch.float64)
    t32 = Trainer(init, mask, lr, torch.float32)
    steps, rows = [], []
    print("step  loss_sw       loss_t32      loss_t64     |sw-t64|/t64 |t32-t64|/t64  "
          "max|w_sw-w64| max|w32-w64|  (max over layers)  err sw/t32/t64")
    sw_errors = {e["step"]: e["validation_error"] for e in meta["evaluations"]}
    for s in range(meta["steps"]):
        idx = torch.from_numpy(indices[s].astype(np.int64))
        x, y = data.train_x[idx], data.train_y[idx]
        l64, l32 = t64.step(x, y), t32.step(x, y)
        w64, w32 = t64.flat(), t32.flat()
        wsw = sw[s].astype(np.float64)
        scale = np.abs(w64).max()
        row = dict(step=s + 1, loss_sw=meta["losses"][s], loss_t32=l32, loss_t64=l64,
                   dw_sw=layer_max(wsw - w64), dw_t32=layer_max(w32 - w64),
                   norms_t64=layer_norms(w64), norms_sw=layer_norms(wsw), max_abs_w=float(scale))
        if (s + 1) % meta["evaluate_every"] == 0:
            row.update(err_sw=sw_errors.get(s + 1), err_t32=t32.error(data),
                       err_t64=t64.error(data))
        rows.append(row)
        n = s + 1
        if n <= 5 or n in (10, 20, 30, 50) or n % 50 == 0:
            err = ""
            if "err_t64" in row:
                err = f"{row['err_sw']:.4f}/{row['err_t32']:.4f}/{row['err_t64']:.4f}"
            print(f"{n:4d}  {row['loss_sw']:.8f}  {l32:.8f}  {l64:.8f}  "
                  f"{abs(row['loss_sw'] - l64) / l64:.2e}     {abs(l32 - l64) / l64:.2e}      "
                  f"{max(row['dw_sw'].values()):.2e}      {max(row['dw_t32'].values()):.2e}"
                  f"                     {err}", flush=True)
    report["steps"] = rows
    if args.json:
        with open(args.json, "w") as f:
            json.dump(report, f)


# ------------------------------------------------------------------ independent seeds
def seeds(args):
    torch.set_num_threads(args.threads)
    data = Data(args.mnist)
    lo, _, hi = args.study_seeds.partition("-")
    runs = [tuple(float(v) for v in r.split(":")) for r in args.runs.split(",")]
    for s in range(int(lo), int(hi or lo) + 1):
        init = torch_init(s)
        masks = {}
        for lr, sparsity in runs:
            cached = os.path.join(args.masks, f"torch-snip-{s}-{sparsity}.f32")
            if sparsity not in masks and os.path.exists(cached):
                masks[sparsity] = np.fromfile(cached, "<f4")
            if sparsity not in masks:
                masks[sparsity] = (torch_snip(init, data, sparsity) if sparsity > 0
                                   else np.ones(COUNT, np.float32))
                os.makedirs(args.masks, exist_ok=True)
                masks[sparsity].astype("<f4").tofile(cached)
            start = time.time()
            trainer = Trainer(init, masks[sparsity], lr, torch.float32)
            stream = Stream(len(data.train_y), 1000 + s)
            evals, errors, end = [], [], "budget"
            for step in range(1, args.steps + 1):
                idx = torch.from_numpy(stream.next(BATCH))
                loss = trainer.step(data.train_x[idx], data.train_y[idx])
                if not math.isfinite(loss):
                    end = f"diverged at {step}"
                    break
                if step % 100 == 0:
                    evals.append(step)
                    errors.append(trainer.error(data))
            line = dict(side="pytorch", study_seed=s, learning_rate=lr, sparsity=sparsity,
                        end=end, seconds=time.time() - start, steps=evals,
                        validation_error=errors)
            with open(args.out, "a") as f:
                f.write(json.dumps(line, sort_keys=True) + "\n")
            print(json.dumps(line), flush=True)


def summary(args):
    lines = []
    for path in args.files:
        with open(path) as f:
            lines += [json.loads(l) for l in f if l.strip()]
    configs = sorted({(l["learning_rate"], l["sparsity"]) for l in lines}, key=lambda c: (-c[1], -c[0]))
    for lr, sparsity in configs:
        print(f"\n### learning rate {lr}, sparsity {sparsity:.0%}\n")
        for at in args.at:
            by_side = {}
            for l in lines:
                if (l["learning_rate"], l["sparsity"]) != (lr, sparsity) or at not in l["steps"]:
                    continue
                by_side.setdefault(l["side"], {})[l["study_seed"]] = \
                    l["validation_error"][l["steps"].index(at)]
            print(f"error at step {at}:\n")
            print("| side | n | per seed (study seed 0, 1, ...) | mean | median | min-max |")
            print("|---|---|---|---|---|---|")
            for side in ("stepwise", "pytorch"):
                v = [by_side.get(side, {})[k] for k in sorted(by_side.get(side, {}))]
                if not v:
                    continue
                print(f"| {side} | {len(v)} | {' '.join(f'{e:.4f}' for e in v)} | "
                      f"{statistics.mean(v):.4f} | {statistics.median(v):.4f} | "
                      f"{min(v):.4f}-{max(v):.4f} |")
            a = list(by_side.get("stepwise", {}).values())
            b = list(by_side.get("pytorch", {}).values())
            if a and b:
                print(f"Mann-Whitney two-sided exact p = {rank_test(a, b):.3f} "
                      f"(stepwise {len(a)} vs pytorch {len(b)})")
            print()


def rank_test(a, b):
    """Exact two-sided permutation p-value of the Mann-Whitney U statistic (small samples)."""
    pooled = a + b

    def distance(left):
        right = [pooled[i] for i in range(len(pooled)) if i not in left]
        u = sum((pooled[i] > y) + 0.5 * (pooled[i] == y) for i in left for y in right)
        return abs(u - len(a) * len(b) / 2)

    observed = distance(set(range(len(a))))
    splits = [set(c) for c in itertools.combinations(range(len(pooled)), len(a))]
    return sum(distance(c) >= observed - 1e-12 for c in splits) / len(splits)


# ------------------------------------------------------------------ the suite's fixture
def f32_base64(values):
    return base64.b64encode(np.asarray(values, "<f4").tobytes()).decode()


def fixture(args):
    torch.set_num_threads(args.threads)
    meta, init, mask, indices, _ = load_trace(args.trace)
    data = Data(args.mnist)
    stream = Stream(len(data.train_y), int(meta["data_seed"]))
    boundary = len(data.train_y) // meta["batch"]  # the batch that spans the first two epochs
    numpy_batches = {}
    for s in range(boundary + 2):
        b = stream.next(meta["batch"])
        if s in (0, boundary, boundary + 1):
            numpy_batches[s + 1] = b.tolist()
    assert all((indices[s] == numpy_batches[s + 1]).all() for s in (0,) if s < meta["steps"])
    t64 = Trainer(init, mask, meta["learning_rate"], torch.float64)
    t32 = Trainer(init, mask, meta["learning_rate"], torch.float32)
    kept = np.flatnonzero(mask)
    steps, finals = [], {}
    for s in range(args.slow_steps):
        idx = torch.from_numpy(indices[s].astype(np.int64))
        x, y = data.train_x[idx], data.train_y[idx]
        l64, l32 = t64.step(x, y), t32.step(x, y)
        w64, w32 = t64.flat(), t32.flat()
        steps.append(dict(loss_t64=l64, loss_t32=l32, envelope=layer_max(w32 - w64),
                          norms_t64=layer_norms(w64)))
        if s + 1 in (args.fast_steps, args.slow_steps):
            finals[str(s + 1)] = f32_base64(w64[kept])
    out = dict(format="stepwise-fidelity-trajectory", version=1, torch=torch.__version__,
               study_seed=meta["study_seed"], init_seed=meta["init_seed"],
               data_seed=meta["data_seed"], learning_rate=meta["learning_rate"],
               sparsity=meta["sparsity"], batch=meta["batch"], fast_steps=args.fast_steps,
               slow_steps=args.slow_steps,
               mask=np.packbits(mask.astype(np.uint8), bitorder="little").tobytes().hex(),
               init_norms=layer_norms(init.astype(np.float64)),
               numpy_batches={str(k): v for k, v in numpy_batches.items()},
               steps=steps, kept_weights_t64=finals)
    with open(args.out, "w") as f:
        json.dump(out, f, separators=(",", ":"))
    print(f"wrote {os.path.getsize(args.out)} bytes to {args.out}")


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--mnist", default=MNIST)
    ap.add_argument("--threads", type=int, default=1)
    sub = ap.add_subparsers(dest="command", required=True)
    c = sub.add_parser("compare")
    c.add_argument("trace")
    c.add_argument("--snip", action="store_true")
    c.add_argument("--json")
    p = sub.add_parser("snip")
    p.add_argument("trace")
    s = sub.add_parser("seeds")
    s.add_argument("--study-seeds", default="0-7")
    s.add_argument("--runs", default="0.316:0.9,0.1:0.9")
    s.add_argument("--steps", type=int, default=1000)
    s.add_argument("--out", required=True)
    s.add_argument("--masks", default="/tmp/fidelity-masks", help="SNIP masks kept per seed")
    m = sub.add_parser("summary")
    m.add_argument("files", nargs="+")
    m.add_argument("--at", type=int, nargs="+", default=[500, 1000])
    x = sub.add_parser("fixture")
    x.add_argument("trace")
    x.add_argument("--fast-steps", type=int, default=30)
    x.add_argument("--slow-steps", type=int, default=300)
    x.add_argument("--out", required=True)
    args = ap.parse_args()
    {"compare": compare, "snip": snip_only, "seeds": seeds, "summary": summary, "fixture": fixture}[args.command](args)


if __name__ == "__main__":
    main()
