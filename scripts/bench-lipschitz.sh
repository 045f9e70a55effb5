#!/usr/bin/env bash
# Issue 13: the Lipschitz probe's throughput against the trainer's step (Simple-CNN, MNIST), on a
# release build: `stepwise bench --lipschitz-examples` times, on one model in one process and in
# ROUNDS interleaved rounds of equal work (10 x EXAMPLES + BATCH examples each), the bench's step
# (random batch), the same step on real images, 10 full-split gradients at fixed parameters and
# a whole probe as a trial runs it (10 gradients and its step), in wall and CPU examples/s, at 1
# kernel thread and at THREADS; a plain `stepwise bench` runs before and after for reference.
# Prints the load average around it. On a shared machine trust the 1-thread rows: with one
# thread a process's CPU time is its work, while 2 OpenMP threads that wait for each other spin
# (their CPU time grows with the load too).
#
# Usage: scripts/bench-lipschitz.sh [ROUNDS] [EXAMPLES] [BATCH]   (defaults 5, 1000, 1000;
#        STEPWISE_DATA as for the workloads, THREADS=n kernel threads, default 2)
set -euo pipefail
cd "$(dirname "$0")/.."
rounds=${1:-5}
examples=${2:-1000}
batch=${3:-1000}
threads=${THREADS:-2}
data=${STEPWISE_DATA:-$(cd .. && pwd)/shared/data}/mnist
swift build -c release --product stepwise >/dev/null
bin=.build/release/stepwise
echo "machine: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), $(nproc) cores"
echo "load before: $(cut -d' ' -f1-3 /proc/loadavg)"
"$bin" bench --batch-sizes "$batch" --threads "$threads" --repeats 3 --seconds 1
for t in 1 "$threads"; do
  /usr/bin/time -f "process: %e s wall, %U s user, %S s system" \
    "$bin" bench --batch-sizes "$batch" --threads "$t" --repeats "$rounds" \
    --lipschitz-examples "$examples" --data "$data"
  echo "load: $(cut -d' ' -f1-3 /proc/loadavg)"
done
"$bin" bench --batch-sizes "$batch" --threads "$threads" --repeats 3 --seconds 1
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)"
