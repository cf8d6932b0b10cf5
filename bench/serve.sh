#!/usr/bin/env bash
# senet serve under load (issue 21): wrk posting one JPEG to /v1/classify at
# concurrency 1, 8 and 32, against se_resnet50 (random weights from senet
# init: the speed does not depend on them) with a 768x576 photo, and the
# CIFAR default model with a CIFAR test JPEG; then the same nets in-process
# through senet bench at batch 1, 8 and 32, so the table shows what HTTP,
# decoding and batching cost or gain. Prints a Markdown table.
#
# usage: bench/serve.sh [BUILD_DIR] [SECONDS]   (BUILD_DIR default build, SECONDS per run 10)
# needs: wrk (scripts/deps.sh --test), the photos of scripts/photos.sh
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:-build}
secs=${2:-10}
senet=$build/senet
command -v wrk >/dev/null || { echo "bench/serve.sh: wrk is not installed (scripts/deps.sh --test)" >&2; exit 2; }
bash scripts/photos.sh >/dev/null
tmp=$(mktemp -d)
server=""
trap '[ -n "$server" ] && kill "$server" 2>/dev/null; rm -rf "$tmp"' EXIT
threads=${SENET_BENCH_THREADS:-$(nproc)}

"$senet" init --arch se_resnet50 --output "$tmp/se_resnet50.safetensors" >/dev/null
tar -xzf ../shared/data/cifar10-jpeg.tar.gz -C "$tmp" test/cat/0000.jpg

metric() { curl -s "http://127.0.0.1:$port/metrics" | awk -v k="$1" '$1 == k { print $2 }'; }

# run NAME ARCH WEIGHTS IMAGE: one server, three concurrencies.
run() {
  local name=$1 arch=$2 weights=$3 image=$4
  "$senet" serve --arch "$arch" --weights "$weights" --port 0 --threads "$threads" --max-batch 32 \
    --max-delay-ms 5 --max-connections 512 2>"$tmp/log" &
  server=$!
  for _ in $(seq 200); do
    port=$(sed -n 's|.*listening on http://[^:]*:\([0-9]*\)/.*|\1|p' "$tmp/log")
    [ -n "$port" ] && curl -sf "http://127.0.0.1:$port/v2/health/ready" >/dev/null && break
    sleep 0.1
  done
  SERVE_IMAGE=$image wrk -t 1 -c 1 -d 2 -s bench/serve_post.lua "http://127.0.0.1:$port/v1/classify" >/dev/null
  for c in 1 8 32; do
    local b0 n0 b1 n1
    b0=$(metric senet_batch_size_sum); n0=$(metric senet_batch_size_count)
    out=$(SERVE_IMAGE=$image wrk -t "$(( c < 2 ? c : 2 ))" -c "$c" -d "${secs}s" --timeout 30s \
            -s bench/serve_post.lua "http://127.0.0.1:$port/v1/classify" | grep '^RESULT')
    b1=$(metric senet_batch_size_sum); n1=$(metric senet_batch_size_count)
    eval "${out#RESULT }"
    printf "| %s | HTTP, concurrency %d | %.1f | %.1f | %.1f | %.1f | %.1f | %d |\n" "$name" "$c" \
      "$(echo "$requests / $seconds" | bc -l)" "$(echo "($b1 - $b0) / ($n1 - $n0)" | bc -l)" "$p50" "$p90" "$p99" "$errors"
  done
  kill -TERM "$server"
  wait "$server" || true
  server=""
}

# inproc NAME ARCH RUNS: senet bench's forward of a batch (no decoding, no HTTP), median of RUNS.
inproc() {
  for b in 1 8 32; do
    "$senet" bench --arch "$2" --batch "$b" --threads "$threads" --runs "$3" --json 2>/dev/null >"$tmp/bench.json"
    python3 - "$1" "$b" "$tmp/bench.json" <<'PY'
import json, sys
name, b, path = sys.argv[1], int(sys.argv[2]), sys.argv[3]
r = json.load(open(path))
print("| %s | senet bench, batch %d | %.1f | %d | %.1f | | | |" % (name, b, r["img_per_s"], b, r["ms_median"]))
PY
  done
}

echo "| model | how | images/s | mean batch | p50 ms | p90 ms | p99 ms | errors |"
echo "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: |"
run "se_resnet50 (768x576 JPEG)" se_resnet50 "$tmp/se_resnet50.safetensors" build/photos/dog.jpg
inproc se_resnet50 se_resnet50 5
run "se_resnet20 CIFAR-10 (32x32 JPEG)" se_resnet20 models/se_resnet20_cifar10.safetensors "$tmp/test/cat/0000.jpg"
inproc se_resnet20 se_resnet20 50
