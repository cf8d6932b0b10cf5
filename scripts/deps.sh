#!/usr/bin/env bash
# Installs what senet needs on Debian when it is missing: the build tools, the
# image/compression libraries of the data layer, librsvg and cairo for senet
# plot's PNG pictures, libmicrohttpd for senet serve, and with --test PyTorch,
# torchvision, NumPy, PIL and djpeg for the reference tests, pkg-config and
# g++ for the install test, valgrind for the memcheck test, clang with
# libFuzzer and LLVM's OpenMP for fuzz/run.sh, Open MPI for the data-parallel
# tests, iproute2 for the one across two hosts (network namespaces), curl
# and chromium for the senet serve tests (the page in a headless browser)
# and wrk for bench/serve.sh.
set -euo pipefail
need=(cmake make gcc libc6-dev python3 pkg-config libjpeg62-turbo-dev libpng-dev zlib1g-dev librsvg2-dev libmicrohttpd-dev)
[ "${1:-}" = "--test" ] && need+=(python3-torch python3-torchvision python3-numpy python3-pil libjpeg-turbo-progs tar gzip g++
  valgrind clang libclang-rt-dev libomp-dev openmpi-bin libopenmpi-dev iproute2
  curl chromium wrk)
missing=()
for p in "${need[@]}"; do dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p"); done
[ ${#missing[@]} -eq 0 ] && exit 0
sudo=""
[ "$(id -u)" -ne 0 ] && sudo="sudo"
echo "installing: ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
$sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
