#!/usr/bin/env bash
# The test command of the README: the fast suite (long runs are opt-in: STEPWISE_SLOW_TESTS=1).
set -euo pipefail
cd "$(dirname "$0")/.."
swift build
swift test --parallel
