#!/bin/bash
# Kill -9 `stepwise run` at random moments, resume each time, and check that the final store
# equals an uninterrupted run's: the same steps-to-result per cell, every evaluation both made
# bit-identical, every trial finished exactly once (one row per key and per (trial, step), no
# conflicting second result). Exits 0 when they agree, 1 otherwise.
#
#   scripts/crash-resume.sh [-n KILLS] [-s SEED] [-b STEPWISE] [-j JOBS] WORKLOAD
#
# KILLS defaults to 20 (issue 6); each kill moment is uniform in (0.05 s, 2 x the reference run's
# wall time / KILLS), so kills land in data loading, masks, training, checkpointing and recording.
# Runs with one job by default (-j to change).
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
  # A moment in (0.05 s, 2 x wall / kills): the kills together cover about one run's work, so
  # most land before the study is finished (a window of the whole wall time let the first few
  # kills finish the study and made the rest no-ops). RANDOM is 0..32767.
  delay=$(awk -v w="$wall" -v n="$kills" -v r=$RANDOM \
    'BEGIN { printf "%.3f", 0.05 + (2 * w / n) * r / 32767 }')
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

# The comparison. Exact early stop is exact for steps-to-result, not for states: after a resume
# the trials may start in another order, so a trial that reached the goal at step 80 in one run
# may be stopped (dominated) at step 40 in the other, because its cell already had a result at
# 40. So: the same steps-to-result per cell; every trial finished, once, with no conflicting
# second result; every evaluation both runs made bit-identical; no evaluation step twice.
python3 - "$work/reference.sqlite" "$work/crash.sqlite" "$kills" "$completed" <<'PY'
import json, sqlite3, sys
def load(path):
    db = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    trials = {k: (s, r) for k, s, r in db.execute("SELECT key, state, steps_to_result FROM trials")}
    cells = {}
    for o, b, sp, r in db.execute(
            "SELECT optimizer, batch_size, sparsity, min(steps_to_result) FROM trials "
            "GROUP BY optimizer, batch_size, sparsity"):
        cells[(o, b, sp)] = r
    curves = {}
    for k, step, err, loss in db.execute(
            "SELECT t.key, e.step, e.validation_error, e.validation_loss "
            "FROM evaluations AS e JOIN trials AS t ON t.id = e.trial"):
        curves.setdefault(k, {})
        assert step not in curves[k], f"evaluation {k[:12]} step {step} twice"
        curves[k][step] = (err, loss)
    # Landscape probes (stores from migration 3 on), without their timings.
    probes = {}
    if db.execute("SELECT count(*) FROM sqlite_schema WHERE name = 'probe_measurements'").fetchone()[0]:
        for k, kind, step, value, detail in db.execute(
                "SELECT t.key, p.kind, p.step, p.value, p.detail_json "
                "FROM probe_measurements AS p JOIN trials AS t ON t.id = p.trial"):
            fields = json.loads(detail)
            fields.pop("seconds", None)
            probes[(k, kind, step)] = (value, json.dumps(fields, sort_keys=True))
    conflicts = db.execute("SELECT count(*) FROM conflicts").fetchone()[0]
    duplicates = db.execute("SELECT count(*) - count(DISTINCT key) FROM trials").fetchone()[0]
    return trials, cells, curves, conflicts, duplicates, probes
ref, crash = load(sys.argv[1]), load(sys.argv[2])
problems = []
if ref[1] != crash[1]:
    problems.append(f"steps-to-result differ: {ref[1]} vs {crash[1]}")
if set(ref[0]) != set(crash[0]):
    problems.append("different trial keys")
unfinished = ("planned", "running", "interrupted")
for name, db in (("reference", ref), ("crash", crash)):
    open_ = [k[:12] for k, (s, _) in db[0].items() if s in unfinished]
    if open_: problems.append(f"{name}: unfinished trials {open_}")
    if db[3]: problems.append(f"{name}: {db[3]} conflicting results")
    if db[4]: problems.append(f"{name}: {db[4]} duplicate keys")
compared = same_state = 0
for key, curve in ref[2].items():
    other = crash[2].get(key, {})
    for step, values in curve.items():
        if step in other:
            compared += 1
            if other[step] != values:
                problems.append(f"{key[:12]} step {step}: {values} vs {other[step]}")
probes_compared = 0
for where, values in ref[5].items():
    if where in crash[5]:
        probes_compared += 1
        if crash[5][where] != values:
            problems.append(f"probe {where[0][:12]} {where[1]} step {where[2]} differs")
for key, (state, steps) in ref[0].items():
    if crash[0].get(key) == (state, steps): same_state += 1
if problems:
    print("stores differ:"); print("\n".join(problems[:40])); sys.exit(1)
kills, completed = int(sys.argv[3]), int(sys.argv[4])
print(f"equal: {len(ref[0])} trials, steps-to-result of {len(ref[1])} cells, {compared} "
      f"evaluations and {probes_compared} probes compared bit for bit, {same_state} trials "
      f"in the same final state; "
      f"{kills - completed} kills, {completed} runs finished before their kill")
PY
