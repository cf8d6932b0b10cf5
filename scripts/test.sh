#!/usr/bin/env bash
# The whole test suite on a fresh Debian machine: dependencies, build, ctest,
# then the same suite built with ASan+UBSan.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/deps.sh --test
make test
# The same suite under AddressSanitizer and UBSan.
make test-asan
