#!/usr/bin/env bash
# Rank 0's messaging cost across hosts (docs/cluster.md, "Measurements"): interleaved rounds of
# the tiny study under `mpirun -np 3`, (a) rank 0 on swnode1 and the two training ranks on
# swnode2, every message TCP (`btl tcp,self`), and (b) all three ranks on swnode1 with Open
# MPI's defaults (shared memory). The training ranks are alike in both (two on one host, one
# thread each, as the thread count follows the training ranks per host), so the difference is
# the path of rank 0's messages. Prints each
# round's wall time, the same command's again with nothing left to do (start-up and shut-down),
# the summary's `time:` and `mpirun: rank 0 served ...` lines, then the medians.
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
# The hosts are one set per machine, shared with NetworkHostsTests: take turns.
exec 9>/run/stepwise-hosts.lock
flock -w 900 9 || { echo "bench-hosts.sh: the hosts stayed busy for 15 minutes" >&2; exit 1; }
trap 'bash scripts/hosts.sh down >/dev/null; rm -rf "$work"' EXIT
bash scripts/hosts.sh up
mapfile -t transport < <(bash scripts/hosts.sh mpirun-args)

# layout name -> mpirun options
declare -A layout=(
  [tcp]="${transport[*]@Q} --host swnode1:1,swnode2:2"
  [shm]="--host swnode1:3"
)

# Runs the study under layout $1 into store $2; prints the wall time in seconds.
launch() {
  local start end
  start=$(date +%s.%N)
  eval "timeout -s KILL 600 bash scripts/hosts.sh exec swnode1 mpirun --allow-run-as-root \
    --oversubscribe ${layout[$1]} -np 3 $binary run --quiet --store $2 $workload" \
    >"$work/out" 2>&1 || { cat "$work/out" >&2; exit 1; }
  end=$(date +%s.%N)
  echo "$end - $start" | bc
}

one() {
  local name=$1 store=$work/$1-$2.sqlite wall again served time
  wall=$(launch "$name" "$store")
  served=$(grep '^mpirun: rank 0 served' "$work/out")
  time=$(grep '^time:' "$work/out")
  # Start-up and shut-down alone: the same command again, with nothing left to do.
  again=$(launch "$name" "$store")
  printf '%s round %d: %.1f s wall (%.1f s with nothing to do); %s; %s\n' \
    "$name" "$2" "$wall" "$again" "$time" "$served"
  echo "$name $wall $(echo "$served" | sed -E 's/.*\(([0-9.]+) ms of messaging per trial\)/\1/') $again" \
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
  e=$(awk -v n=$name '$1 == n {print $4}' "$work/figures" | median)
  echo "$name: median wall $w s (nothing to do: $e s), median messaging $m ms per trial"
done
