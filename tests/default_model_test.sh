#!/usr/bin/env bash
# The committed CIFAR-10 models against what the README says of them: each
# is evaluated on the 10,000 test images of the JPEG archive and its top-1
# must be the README's figure (to the hundredth of a percent, i.e. the same
# count of correct images), and the last epoch of its committed training log
# must report that figure within 0.1 point: the log's evaluation ran in the
# training binary, and kernels changed since (Winograd, summation order)
# may flip an image whose two best classes are within rounding. The default
# model is found the way users find it: `senet eval` without --weights.
# Then PyTorch loads both files and must measure the README's top-1 too
# (default_model_torch.py).
# Usage: default_model_test.sh path/to/senet path/to/cifar10-jpeg.tar.gz
set -u
senet=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
archive=$2
root=$(cd "$(dirname "$0")/.." && pwd)
py=/usr/bin/python3
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
passed=0 failed=0
ok() { passed=$((passed + 1)); echo "ok: $*"; }
fail() { failed=$((failed + 1)); echo "FAIL: $*"; }

tar xzf "$archive" -C "$tmp" --wildcards 'test/*' || fail "cannot extract the test split of $archive"

# readme_top1 ARCH: the top-1 the README's CIFAR-10 table gives ARCH
readme_top1() {
  "$py" - "$root/README.md" "$1" <<'PY'
import re, sys
text = open(sys.argv[1]).read()
m = re.search(r"^\| `%s`[^\n]*?\| \*\*([0-9]+\.[0-9]+)%%\*\* \|" % re.escape(sys.argv[2]), text, re.M)
print(m.group(1) if m else "")
PY
}

# log_top1 LOG.gz: test_top1 of the last epoch of a training log
log_top1() {
  zcat "$1" | "$py" -c '
import json, sys
epochs = [json.loads(l) for l in sys.stdin if "\"type\": \"epoch\"" in l]
print("%.2f" % epochs[-1]["test_top1"] if epochs else "")'
}

for arch in se_resnet20 resnet20; do
  weights=$root/models/${arch}_cifar10.safetensors
  log=$root/models/${arch}_cifar10.log.jsonl.gz
  [ -f "$weights" ] || { fail "$weights is missing"; continue; }
  if [ "$arch" = se_resnet20 ]; then
    json=$(cd "$tmp" && "$senet" eval --data "$tmp" --json 2>"$tmp/err")  # the default model
  else
    json=$("$senet" eval --arch "$arch" --weights "$weights" --data "$tmp" --json 2>"$tmp/err")
  fi
  measured=$(printf '%s' "$json" | "$py" -c 'import json, sys; d = json.load(sys.stdin); print("%.2f" % d["top1"] if d["n"] == 10000 else "n=%d" % d["n"])' 2>/dev/null)
  stated=$(readme_top1 "$arch")
  logged=$([ -f "$log" ] && log_top1 "$log")
  echo "$arch: measured top-1 $measured, README $stated, training log $logged"
  [ -n "$measured" ] && [ "$measured" = "$stated" ] && ok "$arch top-1 is the README's" ||
    fail "$arch: measured '$measured' against README '$stated' ($(head -c 300 "$tmp/err"))"
  [ -n "$logged" ] && [ -n "$stated" ] && "$py" -c "import sys; sys.exit(abs($logged - $stated) > 0.1)" &&
    ok "$arch training log ends within 0.1 of the README's top-1" ||
    fail "$arch: training log '$logged' against README '$stated'"
done

# The same files in PyTorch: strict load, and the README's top-1 within 0.1.
torch_out=$("$py" "$root/tests/default_model_torch.py" "$tmp/test" "$root" \
  "se_resnet20=$(readme_top1 se_resnet20)" "resnet20=$(readme_top1 resnet20)" 2>&1)
printf '%s\n' "$torch_out" | grep -v ' passed, .* failed$'
passed=$((passed + $(printf '%s\n' "$torch_out" | grep -c '^ok: ')))
failed=$((failed + $(printf '%s\n' "$torch_out" | grep -c '^FAIL: ')))
printf '%s\n' "$torch_out" | grep -q '^2 passed, 0 failed$' || fail "PyTorch's evaluation did not pass both models"
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
