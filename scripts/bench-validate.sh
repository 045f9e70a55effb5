#!/bin/bash
# Times `stepwise validate` (release build, whole process: start-up, read, parse, check, render)
# on a generated 1,000-line workload (target < 50 ms) and on the "billion laughs" alias bomb
# (target < 100 ms). Prints the median and the maximum of RUNS runs (default 20) for each.
set -euo pipefail
runs="${1:-20}"
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
swift build -c release --product stepwise >&2
bin="$root/.build/release/stepwise"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

# A valid workload of 1,000 lines: a custom network padded with ReLU layers, plus every section.
{
  cat <<'YAML'
stepwise: 1
name: bench-1000-lines
dataset:
  name: mnist
  directory: ${STEPWISE_DATA:-/usr/share/datasets}/mnist
  validation: {holdout: 6000, seed: 0}
model:
  layers:
    - conv2d: {filters: 32, kernel: 5}
    - relu
    - max_pool: {window: 2}
    - conv2d: {filters: 64, kernel: 5}
YAML
  for _ in $(seq 1 965); do echo "    - relu"; done
  cat <<'YAML'
    - max_pool: {window: 2}
    - flatten
    - dense: {units: 10}
optimizers:
  - kind: nesterov
    schedule: linear-decay
    search:
      learning_rate: {min: 1e-4, max: 1, scale: log}
      momentum: {min: 0.9, max: 0.9999, scale: reverse-log}
      decay_steps: {min: 30000, max: 60000}
      end_learning_rate_factor: {min: 1e-4, max: 0.1, scale: log}
study:
  batch_sizes: {powers_of_two: [2, 16384]}
  sparsities: [0, 0.5, 0.7, 0.9]
  pruning: {method: snip, examples: all}
  trials: 100
goal: {at_most: 0.02}
budget: {max_steps: 40000, give_up: [{step: 1000, above: 0.5}]}
evaluation: {every_steps: 100}
YAML
} > "$work/1000-lines.yaml"

{
  echo "stepwise: 1"
  echo "name: bomb"
  echo "a0: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol]"
  for i in $(seq 1 9); do
    printf 'a%d: &a%d [' "$i" "$i"
    for j in $(seq 1 9); do printf '*a%d%s' $((i - 1)) "$([ "$j" -lt 9 ] && echo ', ')"; done
    echo "]"
  done
} > "$work/alias-bomb.yaml"

measure() { # label file expected-exit
  local label="$1" file="$2" expected="$3" times=() status
  for _ in $(seq 1 "$runs"); do
    local start end
    start=$(date +%s%N)
    set +e
    "$bin" validate "$file" > /dev/null 2>&1
    status=$?
    set -e
    end=$(date +%s%N)
    if [ "$status" -ne "$expected" ]; then
      echo "$label: exit $status, expected $expected" >&2
      exit 1
    fi
    times+=($(((end - start) / 1000)))
  done
  local sorted
  sorted=$(printf '%s\n' "${times[@]}" | sort -n)
  local median max
  median=$(echo "$sorted" | sed -n "$(((runs + 1) / 2))p")
  max=$(echo "$sorted" | tail -1)
  printf '%-34s %5d lines  median %6.1f ms  max %6.1f ms  (%d runs)\n' "$label" \
    "$(wc -l < "$file")" "$(echo "$median / 1000" | bc -l)" "$(echo "$max / 1000" | bc -l)" "$runs"
}

measure "validate 1,000-line workload" "$work/1000-lines.yaml" 0
measure "validate alias bomb (refused)" "$work/alias-bomb.yaml" 1
measure "validate empty file (start-up cost)" /dev/null 1
