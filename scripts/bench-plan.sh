#!/usr/bin/env bash
# Planning benchmark (issue 3): compile a 100,050-trial study (15 batch sizes x 10 sparsities x
# 667 trials) and diff two such studies, on a release build, one process at a time, measuring
# CPU, wall time and peak memory with /usr/bin/time -v. Figures go in docs/performance.md.
# Target: each command under 1 s on one core and under 200 MB.
#
# Usage: scripts/bench-plan.sh   (from anywhere; builds .build/release/stepwise first)
#        RUNS=3 scripts/bench-plan.sh   (each command three times: the spread on a shared machine)
set -euo pipefail
cd "$(dirname "$0")/.."
swift build -c release --product stepwise >/dev/null
BIN=.build/release/stepwise
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT

workload() { # trials, learning-rate max
  cat <<YAML
stepwise: 1
name: bench-100k
dataset:
  name: mnist
  directory: /nonexistent/mnist
  validation: {holdout: 6000, seed: 0}
model:
  architecture: simple-cnn
optimizer:
  kind: nesterov
  search:
    learning_rate: {min: 1e-4, max: $2, scale: log}
    momentum: {min: 0.9, max: 0.9999, scale: reverse-log}
study:
  batch_sizes: {powers_of_two: [2, 32768]}
  sparsities: [0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9]
  pruning: {method: snip, examples: all}
  trials: $1
goal: {metric: validation_error, at_most: 0.02}
budget: {max_steps: 40000}
evaluation: {every_steps: 100}
YAML
}
workload 667 1 >"$TMP/a.yaml"
workload 700 1 >"$TMP/more.yaml"
workload 667 10 >"$TMP/moved.yaml"
DIGEST=(--dataset-digest sha256:bench)

RUNS=${RUNS:-1}
echo "load average: $(cut -d' ' -f1-3 /proc/loadavg)"

measure() { # label, command...
  local label=$1
  shift
  local run
  for ((run = 1; run <= RUNS; run++)); do measure_once "$label" "$@"; done
}

measure_once() { # label, command...
  local label=$1
  shift
  /usr/bin/time -v "$@" >"$TMP/out" 2>"$TMP/time" || true
  local wall cpu rss
  wall=$(grep 'Elapsed (wall clock)' "$TMP/time" | awk '{print $NF}')
  # CPU seconds (user + system) is the one-core cost; wall time also counts waiting for a
  # core on a shared machine.
  cpu=$(awk '/User time|System time/ {s += $NF} END {printf "%.2f", s}' "$TMP/time")
  rss=$(grep 'Maximum resident set size' "$TMP/time" | awk '{print $NF}')
  printf '%-56s cpu %6ss  wall %8s  max RSS %4d MB  (%s lines out)\n' "$label" "$cpu" "$wall" \
    $((rss / 1024)) "$(wc -l <"$TMP/out")"
}

measure "plan a.yaml (100,050 trials)" "$BIN" plan "$TMP/a.yaml" "${DIGEST[@]}"
measure "plan a.yaml --out a.json" "$BIN" plan "$TMP/a.yaml" --out "$TMP/a.json" "${DIGEST[@]}"
"$BIN" plan "$TMP/more.yaml" --out "$TMP/more.json" "${DIGEST[@]}" >/dev/null
measure "diff a.yaml more.yaml (2 compiles; 4,950 to add)" \
  "$BIN" diff "$TMP/a.yaml" "$TMP/more.yaml" "${DIGEST[@]}"
measure "diff a.yaml moved.yaml (2 compiles; 100,050 to change)" \
  "$BIN" diff "$TMP/a.yaml" "$TMP/moved.yaml" "${DIGEST[@]}"
measure "diff a.json more.json (2 saved plans, keys re-checked)" \
  "$BIN" diff "$TMP/a.json" "$TMP/more.json"
ls -l "$TMP/a.json" | awk '{printf "a.json: %d bytes\n", $5}'
echo "load average: $(cut -d' ' -f1-3 /proc/loadavg)"
