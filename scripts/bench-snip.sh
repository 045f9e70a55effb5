#!/usr/bin/env bash
# SNIP over the 54,000-image MNIST split versus one training epoch at batch size 1,000
# (Simple-CNN, release build). Prints one SNIP-BENCH line; see docs/performance.md "Pruning".
#   STEPWISE_MNIST=/path/to/raw/idx  (default /work/shared/data/mnist)
#   STEPWISE_THREADS=2               (oneDNN/OpenMP threads for both measurements)
set -euo pipefail
cd "$(dirname "$0")/.."
swift build -c release --build-tests -Xswiftc -enable-testing --scratch-path .build/bench-testing
STEPWISE_BENCH=1 swift test -c release -Xswiftc -enable-testing --scratch-path .build/bench-testing --skip-build --filter SNIPBenchmarkTests 2>&1 \
  | grep -E "SNIP-BENCH|passed|failed|error"
