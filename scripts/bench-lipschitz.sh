#!/usr/bin/env bash
# Issue 13: the Lipschitz probe's throughput against the trainer's step (Simple-CNN, MNIST), on a
# release build: `stepwise bench --lipschitz-examples` times, on one model in one process and in
# ROUNDS interleaved rounds, the bench's step (random batch), the same step on real images, one
# full-split gradient and a whole probe (10 gradients and its step), in wall and CPU examples/s;
# a plain `stepwise bench` runs before and after for reference. Prints the load average around
# it; the CPU rates hold on a shared machine, the wall rates only on an idle one.
#
# Usage: scripts/bench-lipschitz.sh [ROUNDS] [EXAMPLES] [BATCH]   (defaults 5, 2000, 1000;
#        STEPWISE_DATA as for the workloads, THREADS=n kernel threads, default 2)
set -euo pipefail
cd "$(dirname "$0")/.."
rounds=${1:-5}
examples=${2:-2000}
batch=${3:-1000}
threads=${THREADS:-2}
data=${STEPWISE_DATA:-$(cd .. && pwd)/shared/data}/mnist
swift build -c release --product stepwise >/dev/null
bin=.build/release/stepwise
echo "machine: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), $(nproc) cores"
echo "load before: $(cut -d' ' -f1-3 /proc/loadavg)"
"$bin" bench --batch-sizes "$batch" --threads "$threads" --repeats 3 --seconds 1
/usr/bin/time -f "process: %e s wall, %U s user, %S s system" \
  "$bin" bench --batch-sizes "$batch" --threads "$threads" --repeats "$rounds" --seconds 1 \
  --lipschitz-examples "$examples" --data "$data"
"$bin" bench --batch-sizes "$batch" --threads "$threads" --repeats 3 --seconds 1
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)"
