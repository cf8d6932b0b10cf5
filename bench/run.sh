#!/usr/bin/env bash
# Side-by-side benchmark of senet, PyTorch 1.13 and ONNX Runtime on this
# machine's CPU; writes docs/BENCHMARKS.md (bench/run.py says how).
# Installs what it needs when missing: python3-torch and python3-numpy (apt),
# node and npm (apt), onnxruntime-node (npm, into bench/ort/node_modules; its
# CPU library ships in the package, nothing else is downloaded). About 15-20
# minutes on 2 cores. Options go to bench/run.py: --quick checks the
# pipeline in about two minutes, --only ARCH[,ARCH], --output PATH,
# --wait-policy passive|active.
set -euo pipefail
cd "$(dirname "$0")/.."

sudo=""
[ "$(id -u)" -ne 0 ] && sudo="sudo"
missing=()
for p in cmake make gcc libc6-dev python3-torch python3-numpy; do
  dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p")
done
command -v node >/dev/null 2>&1 || missing+=(nodejs)
command -v npm >/dev/null 2>&1 || missing+=(npm)
if [ ${#missing[@]} -gt 0 ]; then
  echo "installing: ${missing[*]}" >&2
  export DEBIAN_FRONTEND=noninteractive
  $sudo apt-get update -qq
  $sudo apt-get install -y -qq --no-install-recommends -o DPkg::Lock::Timeout=600 "${missing[@]}" >/dev/null
fi

if [ ! -f bench/ort/node_modules/onnxruntime-node/package.json ]; then
  echo "installing onnxruntime-node into bench/ort" >&2
  (cd bench/ort && ONNXRUNTIME_NODE_INSTALL=skip npm ci --no-audit --no-fund >&2)
fi

cmake -S . -B build >/dev/null
cmake --build build -j"$(nproc)" --target senet_cli >&2

exec /usr/bin/python3 bench/run.py "$@"
