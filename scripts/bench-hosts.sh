#!/usr/bin/env bash
# Rank 0's messaging cost across hosts (docs/cluster.md, "Measurements"): interleaved rounds of
# the tiny study under `mpirun -np 3`, (a) its ranks on three hosts of scripts/hosts.sh talking
# TCP, and (b) all three on one host with Open MPI's defaults (shared memory). Prints each
# round's wall time and the summary's `mpirun: rank 0 served ...` line, then the medians.
#
#   scripts/bench-hosts.sh [-r ROUNDS] [-b STEPWISE_BINARY] [WORKLOAD]
set -euo pipefail
cd "$(dirname "$0")/.."
rounds=3
binary=.build/debug/stepwise
while getopts r:b: flag; do
  case $flag in
    r) rounds=$OPTARG ;;
    b) binary=$OPTARG ;;
    *) exit 2 ;;
  esac
done
shift $((OPTIND - 1))
workload=${1:-Tests/StepwiseCLITests/Fixtures/tiny.yaml}
binary=$(readlink -f "$binary")
work=$(mktemp -d)
trap 'bash scripts/hosts.sh down >/dev/null; rm -rf "$work"' EXIT
bash scripts/hosts.sh up
mapfile -t transport < <(bash scripts/hosts.sh mpirun-args)

# layout name -> mpirun options
declare -A layout=(
  [tcp]="${transport[*]@Q} --host swnode1:1,swnode2:1,swnode3:1"
  [shm]="--host swnode1:3"
)

one() {
  local name=$1 store=$work/$1-$2.sqlite start end
  start=$(date +%s.%N)
  eval "timeout -s KILL 600 bash scripts/hosts.sh exec swnode1 mpirun --allow-run-as-root \
    --oversubscribe ${layout[$name]} -np 3 $binary run --quiet --store $store $workload" \
    >"$work/out" 2>&1 || { cat "$work/out"; exit 1; }
  end=$(date +%s.%N)
  local served wall
  served=$(grep '^mpirun: rank 0 served' "$work/out")
  wall=$(echo "$end - $start" | bc)
  printf '%s round %d: %.1f s wall; %s\n' "$name" "$2" "$wall" "$served"
  echo "$name $wall $(echo "$served" | sed -E 's/.*\(([0-9.]+) ms of messaging per trial\)/\1/')" \
    >>"$work/figures"
}

echo "load: $(uptime)"
for r in $(seq 1 "$rounds"); do
  if ((r % 2)); then one tcp "$r"; one shm "$r"; else one shm "$r"; one tcp "$r"; fi
done
echo "load: $(uptime)"
median() { sort -n | awk '{a[NR]=$1} END {print (NR % 2) ? a[(NR+1)/2] : (a[NR/2] + a[NR/2+1]) / 2}'; }
for name in tcp shm; do
  w=$(awk -v n=$name '$1 == n {print $2}' "$work/figures" | median)
  m=$(awk -v n=$name '$1 == n {print $3}' "$work/figures" | median)
  echo "$name: median wall $w s, median messaging $m ms per trial"
done
