#!/usr/bin/env bash
# Data-parallel training on this machine: img/s of `senet train` (CIFAR
# SE-ResNet-20 on real CIFAR-10 images) with 1 process x T threads against P
# ranks x T/P threads, with per-rank and synced batch norm; the time rank 0
# spends in communication per step (as senet train reports it: it includes
# waiting for the slower rank); and the collectives alone (bench/allreduce.c).
# Each configuration runs twice; the faster second epoch counts (the first
# warms caches and the loader).
# Usage: bash bench/mpi.sh [IMAGES_PER_CLASS (100)] [BATCH (100)]
# Env: SENET (build/senet), SENET_CIFAR_ARCHIVE, MPIEXEC (mpiexec), MPICC (mpicc).
set -euo pipefail
cd "$(dirname "$0")/.."
per_class=${1:-100} batch=${2:-100}
senet=$(realpath "${SENET:-build/senet}")
archive=${SENET_CIFAR_ARCHIVE:-../shared/data/cifar10-jpeg.tar.gz}
mpiexec=${MPIEXEC:-mpiexec} mpicc=${MPICC:-mpicc}
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
cores=$(nproc)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

mkdir -p "$tmp/data"
tar tzf "$archive" | grep -E '^train/[^/]+/[^/]+\.jpg$' | sort |
  awk -F/ -v k="$per_class" '++n[$2] <= k' >"$tmp/list"
tar xzf "$archive" -C "$tmp/data" -T "$tmp/list"
images=$(wc -l <"$tmp/list")

echo "senet data-parallel benchmark: se_resnet20, $images CIFAR-10 images, global batch $batch, $cores cores"
echo "MPI: $("$mpiexec" --version 2>&1 | grep -m1 -Ei 'version|openrte|open mpi' | tr -s ' \t' ' '); load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
echo
echo "| ranks x threads | batch norm | img/s (2nd epoch) | rank 0's time in collectives per step (incl. waiting) |"
echo "| --- | --- | --- | --- |"
run() { # label bn launcher... -- senet options
  local label=$1 bn=$2 best=0 comm="-"
  shift 2
  for rep in 1 2; do
    out=$("$@" --arch se_resnet20 --data "$tmp/data" --batch "$batch" --epochs 2 --lr 0.05 --schedule constant \
          --seed 1 --out "$tmp/run" 2>&1) || { echo "$out" | tail -3; exit 1; }
    rate=$(printf '%s\n' "$out" | grep '^epoch 2/2:' | sed -E 's/.* ([0-9.]+) img\/s.*/\1/')
    c=$(printf '%s\n' "$out" | grep 'spent in collectives' | sed -E 's/.*included\): //') || true
    if awk "BEGIN{exit !($rate > $best)}"; then best=$rate; comm=${c:--}; fi
  done
  echo "| $label | $bn | $best | $comm |"
}
half=$((cores / 2 > 0 ? cores / 2 : 1))
run "1 x 1" "-" "$senet" train --threads 1
run "1 x $cores" "-" "$senet" train --threads "$cores"
run "2 x $half" "per rank" "$mpiexec" -n 2 "$senet" train --threads "$half"
run "2 x $half" "synced" "$mpiexec" -n 2 "$senet" train --threads "$half" --sync-bn

echo
"$mpicc" -O2 -o "$tmp/allreduce" bench/allreduce.c
# se_resnet20's gradient, se_resnet50's, and one sync-BN message (2 x 64 channels + 1, doubles).
"$mpiexec" -n 2 "$tmp/allreduce" 274847 28088024 129:double
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
