#!/bin/sh
# Fuzzes the workload front end with libFuzzer for SECONDS (default 60), seeded with the bad-input
# corpus and the shipped workloads. New interesting inputs go to Fuzz/corpus (not committed);
# crashes are written as Fuzz/crash-* and make this script fail.
set -eu
seconds="${1:-60}"
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root/Fuzz"
swift build -c release --sanitize=fuzzer >&2
mkdir -p corpus seeds
cp "$root"/Tests/WorkloadLoadingTests/Corpus/*.yaml "$root"/workloads/*.yaml seeds/
# Swift's backtracer would catch the crash before libFuzzer can report it.
SWIFT_BACKTRACE=enable=no exec .build/release/FuzzWorkloadLoading corpus seeds \
  -max_total_time="$seconds" -max_len=65536 -timeout=10 -rss_limit_mb=2048 \
  -artifact_prefix=./ -print_final_stats=1
