#!/usr/bin/env bash
# Trainer throughput side by side with PyTorch (issue 4): ROUNDS interleaved rounds of
# `stepwise bench` and ../shared/reference/torch_baseline.py on the same batch sizes and thread
# count, then per batch size every round's examples/s for both and the ratio of the medians.
# The VM's speed drifts by ±30% between runs minutes apart, so one pass of each is not enough.
#
# Usage: scripts/bench-vs-torch.sh [ROUNDS]   (THREADS=2 by default; needs /usr/bin/python3
#        with python3-torch)
# SPARSITY=0.9 runs Stepwise's Simple-CNN pruned by SNIP on MNIST (DATA, default
# ../shared/data/mnist) on its sparse kernels, against PyTorch's dense step (which is what a
# masked PyTorch step costs: `w * mask` runs the dense kernels).
set -euo pipefail
cd "$(dirname "$0")/.."
rounds=${1:-3}
threads=${THREADS:-2}
sparsity=${SPARSITY:-0}
sparse=()
if [ "$sparsity" != 0 ]; then sparse=(--sparsity "$sparsity" --mask snip --data "${DATA:-../shared/data/mnist}"); fi
torch=../shared/reference/torch_baseline.py
swift build -c release --product stepwise >/dev/null
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
for r in $(seq 1 "$rounds"); do
  .build/release/stepwise bench --model simple-cnn --batch-sizes 1,16,64,256,1024,4096 \
    --threads "$threads" --repeats 3 --seconds 1 "${sparse[@]}" --json >"$out/sw-cnn-$r.json" 2>/dev/null
  /usr/bin/python3 "$torch" --models simple_cnn_l21 --threads "$threads" \
    --batch-sizes 1,16,64,256,1024,4096 --repeats 3 --min-rep-s 1 >"$out/pt-cnn-$r.txt" 2>&1
  .build/release/stepwise bench --model resnet-8 --batch-sizes 1,16,64,256 --max-batch 256 \
    --threads "$threads" --repeats 3 --seconds 1 ${SPARSITY:+--sparsity "$sparsity"} --json \
    >"$out/sw-r8-$r.json" 2>/dev/null
  /usr/bin/python3 "$torch" --models resnet8_l21 --threads "$threads" \
    --batch-sizes 1,16,64,256 --repeats 3 --min-rep-s 1 >"$out/pt-r8-$r.txt" 2>&1
done
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
python3 - "$out" "$rounds" <<'PY'
import json, re, statistics, sys
out, rounds = sys.argv[1], int(sys.argv[2])
def stepwise(prefix):
    d = {}
    for r in range(1, rounds + 1):
        for line in open(f"{out}/{prefix}-{r}.json"):
            if line.startswith("{"):
                o = json.loads(line)
                d.setdefault(o["batch_size"], []).append(o["examples_per_s"])
    return d
def torch(prefix):
    d = {}
    for r in range(1, rounds + 1):
        for line in open(f"{out}/{prefix}-{r}.txt"):
            m = re.match(r"\s+(\d+)\s+[\d.]+\s+([\d.]+)\s", line)
            if m:
                d.setdefault(int(m.group(1)), []).append(float(m.group(2)))
    return d
for sw, pt, name in (("sw-cnn", "pt-cnn", "Simple-CNN"), ("sw-r8", "pt-r8", "ResNet-8")):
    s, p = stepwise(sw), torch(pt)
    print(f"\n{name}: examples/s per round (sorted), Stepwise | PyTorch, ratio of medians")
    for b in sorted(s):
        a, t = sorted(s[b]), sorted(p.get(b, [float("nan")]))
        ratio = statistics.median(a) / statistics.median(t)
        print(f"{b:>6}  {', '.join(f'{x:,.0f}' for x in a)} | {', '.join(f'{x:,.0f}' for x in t)}"
              f"  {ratio:.2f}x")
PY
