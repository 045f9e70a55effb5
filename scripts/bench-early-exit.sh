#!/usr/bin/env bash
# Issue 12: wall time of a small-batch study with exact early exit of evaluation against the same
# study evaluated in full (workloads/bench/early-exit-mnist-sgd.yaml, `evaluation.exit_early`
# true / false), in ROUNDS interleaved rounds (the order alternates each round), each on a fresh
# store. Prints every round's wall time, the ratio of the medians, the load average, and checks
# that both give the same steps-to-result in every cell. CPU time (user + system, /usr/bin/time)
# is printed beside the wall time: on a shared machine it is the load-robust figure.
#
# Usage: scripts/bench-early-exit.sh [ROUNDS]   (TRIALS=n overrides the workload's 8 trials per
#        cell; JOBS=n the trials run at once, default 2; STEPWISE_DATA as for the workload)
set -euo pipefail
cd "$(dirname "$0")/.."
rounds=${1:-2}
jobs=${JOBS:-2}
export STEPWISE_DATA=${STEPWISE_DATA:-$(cd .. && pwd)/shared/data}
swift build -c release --product stepwise >/dev/null
bin=.build/release/stepwise
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
for exit in true false; do
  sed -e "s/exit_early: true/exit_early: $exit/" \
    -e "s/^  trials: 8$/  trials: ${TRIALS:-8}/" \
    workloads/bench/early-exit-mnist-sgd.yaml >"$out/$exit.yaml"
  "$bin" validate "$out/$exit.yaml"
done
echo "machine: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), $(nproc) cores"
echo "uptime before: $(uptime)"
for r in $(seq 1 "$rounds"); do
  order="true false"
  if [ $((r % 2)) -eq 0 ]; then order="false true"; fi
  for exit in $order; do
    store="$out/$exit-$r.sqlite"
    start=$(date +%s.%N)
    /usr/bin/time -f "%U %S" -o "$out/cpu-$exit-$r.txt" \
      "$bin" run "$out/$exit.yaml" --store "$store" --jobs "$jobs" --quiet >"$out/$exit-$r.txt" 2>&1
    end=$(date +%s.%N)
    cpu=$(awk '{print $1 + $2}' "$out/cpu-$exit-$r.txt")
    echo "round $r exit_early=$exit: $(echo "$end - $start" | bc) s wall, $cpu s CPU (load $(cut -d' ' -f1-3 /proc/loadavg))" \
      | tee -a "$out/times.txt"
    "$bin" report "$out/$exit.yaml" --store "$store" --out "$out/report-$exit-$r" --format csv \
      --bootstrap 0 >/dev/null
  done
done
echo "uptime after: $(uptime)"
python3 - "$out" "$rounds" <<'PY'
import csv, re, statistics, sys
out, rounds = sys.argv[1], int(sys.argv[2])
times = {"true": [], "false": []}
cpu = {"true": [], "false": []}
for line in open(f"{out}/times.txt"):
    m = re.match(r"round (\d+) exit_early=(\w+): ([\d.]+) s wall, ([\d.]+) s CPU", line)
    times[m.group(2)].append(float(m.group(3)))
    cpu[m.group(2)].append(float(m.group(4)))
def cells(exit, r):
    rows = csv.DictReader(open(f"{out}/report-{exit}-{r}/cells.csv"))
    return {(row["batch_size"]): (row["steps_to_result"], row["exactness"]) for row in rows}
same = True
for r in range(1, rounds + 1):
    a, b = cells("true", r), cells("false", r)
    print(f"round {r} steps-to-result (batch: exit / full): "
          + ", ".join(f"{k}: {a[k][0] or 'none'} / {b[k][0] or 'none'}" for k in sorted(a, key=int)))
    same &= a == b
med = {k: statistics.median(v) for k, v in times.items()}
print(f"median wall: exit early {med['true']:.1f} s, full evaluation {med['false']:.1f} s, "
      f"ratio full/exit {med['false'] / med['true']:.2f}")
cmed = {k: statistics.median(v) for k, v in cpu.items()}
print(f"median CPU (user + system): exit early {cmed['true']:.1f} s, full evaluation "
      f"{cmed['false']:.1f} s, ratio full/exit {cmed['false'] / cmed['true']:.2f}")
print("identical steps-to-result in every round:", same)
sys.exit(0 if same else 1)
PY
