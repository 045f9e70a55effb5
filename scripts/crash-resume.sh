#!/bin/bash
# Kill -9 `stepwise run` at random moments, resume each time, and check that the final store
# equals an uninterrupted run's: same trials in the same states, same steps-to-result, the same
# evaluation curves value for value, one row per trial and per (trial, step), no conflicts.
#
#   scripts/crash-resume.sh [-n KILLS] [-s SEED] [-b STEPWISE] [-j JOBS] WORKLOAD
#
# KILLS defaults to 20 (issue 6); the kill moment is uniform in (0.1 s, the reference run's wall
# time), so kills land in data loading, mask computation, training, checkpointing and recording.
# Runs with one job, so that the uninterrupted run is itself deterministic state for state
# (with more jobs, which trial of a cell ends `dominated` can depend on timing; steps-to-result
# and curves cannot). Exits 0 when the stores are equal, 1 otherwise.
set -euo pipefail
kills=20 seed=$RANDOM bin="" jobs=1
while getopts "n:s:b:j:" opt; do
  case $opt in
    n) kills=$OPTARG ;; s) seed=$OPTARG ;; b) bin=$OPTARG ;; j) jobs=$OPTARG ;;
    *) exit 64 ;;
  esac
done
shift $((OPTIND - 1))
workload=${1:?usage: crash-resume.sh [-n KILLS] [-s SEED] [-b STEPWISE] WORKLOAD}
root="$(cd "$(dirname "$0")/.." && pwd)"
bin=${bin:-$root/.build/release/stepwise}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
RANDOM=$seed

start=$(date +%s.%N)
"$bin" run --quiet --jobs "$jobs" --store "$work/reference.sqlite" "$workload" > "$work/reference.txt"
wall=$(awk -v a="$start" -v b="$(date +%s.%N)" 'BEGIN { printf "%.3f", b - a }')
echo "reference run: ${wall}s"

completed=0
for ((i = 1; i <= kills; i++)); do
  # A moment in (0.1 s, wall): RANDOM is 0..32767.
  delay=$(awk -v w="$wall" -v r=$RANDOM 'BEGIN { printf "%.3f", 0.1 + (w - 0.1) * r / 32767 }')
  "$bin" run --quiet --jobs "$jobs" --store "$work/crash.sqlite" "$workload" \
    > "$work/run-$i.txt" 2> "$work/run-$i.err" &
  pid=$!
  sleep "$delay"
  if kill -9 "$pid" 2> /dev/null; then
    wait "$pid" 2> /dev/null || true
    echo "kill $i: after ${delay}s"
  else
    wait "$pid" || { echo "run $i failed:"; cat "$work/run-$i.err"; exit 1; }
    completed=$((completed + 1))
    echo "kill $i: the run had already finished (${delay}s)"
  fi
done
"$bin" run --quiet --jobs "$jobs" --store "$work/crash.sqlite" "$workload" > "$work/final.txt"

dump() {
  sqlite3 -readonly "$1" <<'SQL'
.mode list
SELECT 'trial', key, state, coalesce(steps_to_result, ''), steps_run FROM trials ORDER BY key;
SELECT 'eval', t.key, e.step, printf('%.17g', e.validation_error),
  printf('%.17g', e.validation_loss)
FROM evaluations AS e JOIN trials AS t ON t.id = e.trial ORDER BY t.key, e.step;
SELECT 'conflicts', count(*) FROM conflicts;
SELECT 'duplicate-keys', count(*) - count(DISTINCT key) FROM trials;
SELECT 'unfinished', count(*) FROM trials WHERE state IN ('planned', 'running', 'interrupted');
SQL
}
dump "$work/reference.sqlite" > "$work/reference.dump"
dump "$work/crash.sqlite" > "$work/crash.dump"
trials=$(grep -c '^trial|' "$work/reference.dump")
evals=$(grep -c '^eval|' "$work/reference.dump")
if diff -u "$work/reference.dump" "$work/crash.dump" > "$work/diff.txt"; then
  echo "equal: $trials trials, $evals evaluations, $((kills - completed)) kills," \
    "$completed runs finished before their kill"
  grep -v '^  ' "$work/final.txt" | head -3 || true
  exit 0
fi
echo "stores differ after $kills kills (seed $seed):"
head -40 "$work/diff.txt"
exit 1
