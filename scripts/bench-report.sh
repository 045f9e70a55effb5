#!/usr/bin/env bash
# Report benchmark (issue 7): `stepwise report --store` on a results store of 100,000 trials
# with their curves (20 batch sizes x 5 sparsities x 1,000 synthetic trials; curves end at the
# goal or the budget, about 2 million evaluations). Builds the store once with the opt-in store
# benchmark test, then times the report (all formats) with /usr/bin/time -v, three times.
#
# Usage: scripts/bench-report.sh [STORE]   (default /tmp/stepwise-report-bench.sqlite; kept)
set -euo pipefail
cd "$(dirname "$0")/.."
STORE=${1:-/tmp/stepwise-report-bench.sqlite}
swift build -c release --product stepwise >/dev/null
if [ ! -s "$STORE" ]; then
  # A separate scratch path: -enable-testing would otherwise rebuild the release binary.
  STEPWISE_BENCH=1 STEPWISE_BENCH_STORE="$STORE" swift test -c release -Xswiftc -enable-testing \
    --scratch-path .build/bench-testing \
    --filter 'StoreBenchmark/reportSizedStore' 2>&1 | grep -E "report-sized store|passed|failed"
fi
ls -l "$STORE"
OUT=$(mktemp -d)
trap 'rm -rf "$OUT"' EXIT
echo "load average: $(cut -d' ' -f1-3 /proc/loadavg)"
for run in 1 2 3; do
  rm -rf "$OUT/report"
  /usr/bin/time -f "run $run: wall %e s, user %U s, sys %S s, max RSS %M KB" \
    .build/release/stepwise report --store "$STORE" --out "$OUT/report" >/dev/null
done
du -sh "$OUT/report"
