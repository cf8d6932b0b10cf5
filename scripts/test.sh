#!/usr/bin/env bash
# The whole test suite on a fresh Debian machine: dependencies, build, ctest.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/deps.sh --test
make test
