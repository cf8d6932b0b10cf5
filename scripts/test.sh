#!/usr/bin/env bash
# The whole test suite on a fresh Debian machine: dependencies, build, ctest,
# then the same suite built with ASan+UBSan, then 30 s of each fuzz target.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/deps.sh --test
make test
# The same suite under AddressSanitizer and UBSan.
make test-asan
# Every libFuzzer target for 30 s from its committed corpus (fuzz/run.sh):
# a reader that regresses on the corpus or on what the fuzzer finds fails CI.
bash fuzz/run.sh 30
