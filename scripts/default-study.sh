#!/usr/bin/env bash
# The built-in default study, run as the README's first command runs it (`stepwise run` with no
# file, release build, a fresh store), timed. Prints the run's real output (what the README
# quotes), its wall and CPU time and the load average. Issue 12: it must finish in under 10
# minutes on 2 cores.
#
# With --update it also replaces the test fixture Tests/StepwiseCLITests/Fixtures/default-study.sqlite
# with this run's store (checkpoints dropped, vacuumed): DefaultStudyTests checks against it that
# the curves show the three regions with the critical batch size inside the measured range, that
# the fixture is the current workloads/default.yaml's study, and that the README quotes the run's
# table. Run it after any change to workloads/default.yaml or to what a trial computes, then paste
# the printed output into the README.
#
# Usage: scripts/default-study.sh [--update]   (STEPWISE_DATA as for the workload)
set -euo pipefail
cd "$(dirname "$0")/.."
update=${1:-}
swift build -c release --product stepwise >/dev/null
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
echo "machine: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), $(nproc) cores"
echo "uptime before: $(uptime)"
# As the README runs it: the working directory's store, live progress on standard error.
(cd "$work" && /usr/bin/time -f "%e s wall, %U s user, %S s system, %M KB peak" -o time.txt \
  "$OLDPWD/.build/release/stepwise" run 2>progress.txt | tee output.txt)
echo "uptime after: $(uptime)"
cat "$work/time.txt"
if [ "$update" = "--update" ]; then
  fixture=Tests/StepwiseCLITests/Fixtures/default-study.sqlite
  python3 - "$work/stepwise.sqlite" "$fixture" <<'PY'
import shutil, sqlite3, sys
source, target = sys.argv[1], sys.argv[2]
db = sqlite3.connect(source)
db.execute("DELETE FROM checkpoints")
db.commit()
db.execute("VACUUM")
db.execute("PRAGMA journal_mode=DELETE")
db.close()
shutil.copyfile(source, target)
PY
  echo "fixture: $fixture ($(du -h "$fixture" | cut -f1))"
fi
