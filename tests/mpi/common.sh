# Shared prologue of the MPI test scripts (sourced): a temporary folder
# removed on exit, Open MPI allowed to run as root, the PyTorch references on
# PYTHONPATH, and ok/bad counters for the closing "N passed, N failed" line.
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 PYTHONPATH="$here/../ref"
py=/usr/bin/python3
passed=0 failed=0
ok() { passed=$((passed + 1)); echo "ok   $1"; }
bad() { failed=$((failed + 1)); echo "FAIL $1"; }
