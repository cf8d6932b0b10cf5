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

# cifar_subset ARCHIVE: 20 training and 5 test images per class of the CIFAR-10
# JPEG archive into $tmp (train/, test/), and in `common` the training options
# the tests share: SE-ResNet-20, 5 steps of 40 images an epoch, 1 thread a rank.
cifar_subset() {
  tar xzf "$1" -C "$tmp" --wildcards 'train/*/000[0-9].jpg' 'train/*/001[0-9].jpg' 'test/*/000[0-4].jpg' ||
    { echo "cannot extract $1"; echo "0 passed, 1 failed"; exit 1; }
  data=$tmp
  common=(--arch se_resnet20 --data "$data" --batch 40 --lr 0.01 --seed 3 --schedule constant --threads 1)
}
