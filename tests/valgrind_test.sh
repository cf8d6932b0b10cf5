#!/usr/bin/env bash
# Valgrind's memcheck on the paths every user takes: init, a forward pass and
# two training steps (with momentum, weight decay and dropout) of a CIFAR
# SE-ResNet-20 on a batch of 2, and training on 5 CIFAR binary records: one step that writes a
# checkpoint, then a resume that finishes the epoch and evaluates. Any invalid read or write, use of an
# uninitialised value or definite leak fails the test. OMP_WAIT_POLICY is set
# so that the tool does not re-execute itself (that child would run outside
# valgrind); two threads so that the OpenMP paths run too.
# Usage: valgrind_test.sh path/to/senet
set -u
senet=$1
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
passed=0 failed=0
ok() { passed=$((passed + 1)); echo "ok   $1"; }
bad() { failed=$((failed + 1)); echo "FAIL $1"; }
export OMP_WAIT_POLICY=PASSIVE
vg=(valgrind --tool=memcheck --error-exitcode=99 --leak-check=full --errors-for-leak-kinds=definite
    --quiet)

/usr/bin/python3 - "$tmp" <<'PY'
import json, struct, sys
import numpy as np
def save(path, tensors):
    header, data = {}, b""
    for name, a in tensors.items():
        dtype = {"float32": "F32", "int64": "I64"}[str(a.dtype)]
        raw = a.tobytes()
        header[name] = {"dtype": dtype, "shape": list(a.shape), "data_offsets": [len(data), len(data) + len(raw)]}
        data += raw
    text = json.dumps(header).encode()
    open(path, "wb").write(struct.pack("<Q", len(text)) + text + data)
rng = np.random.default_rng(0)
save(sys.argv[1] + "/batch.safetensors", {"input": rng.standard_normal((2, 3, 32, 32), dtype=np.float32),
                                          "labels": np.array([3, 9], dtype=np.int64)})
# CIFAR-10 binary files of records (a label byte, 3072 pixel bytes): one per
# training file, two in the test file.
def records(n):
    return b"".join(bytes([int(rng.integers(10))]) + rng.integers(0, 256, 3072, dtype=np.uint8).tobytes()
                    for _ in range(n))
for i in range(1, 6):
    open(sys.argv[1] + "/data_batch_%d.bin" % i, "wb").write(records(1))
open(sys.argv[1] + "/test_batch.bin", "wb").write(records(2))
PY

run() { # NAME COMMAND...
  local name=$1
  shift
  if "${vg[@]}" "$@" >"$tmp/out" 2>&1; then ok "$name"; else bad "$name (exit $?)"; tail -30 "$tmp/out"; fi
}
arch=(--arch se_resnet20)
run "memcheck: init" "$senet" init "${arch[@]}" --seed 1 --output "$tmp/w.safetensors"
run "memcheck: forward, batch 2" "$senet" forward "${arch[@]}" --weights "$tmp/w.safetensors" \
  --input "$tmp/batch.safetensors" --output "$tmp/logits.safetensors" --threads 2
run "memcheck: 2 SGD steps with momentum, weight decay, dropout" "$senet" step "${arch[@]}" \
  --weights "$tmp/w.safetensors" --input "$tmp/batch.safetensors" --output "$tmp/stepped.safetensors" \
  --steps 2 --momentum 0.9 --weight-decay 5e-4 --dropout 0.2 --threads 2
run "memcheck: train one step with a checkpoint and evaluation" "$senet" train "${arch[@]}" --data "$tmp" \
  --batch 2 --epochs 1 --max-steps 1 --threads 2 --out "$tmp/run"
run "memcheck: resume from that checkpoint to the end of the epoch" "$senet" train "${arch[@]}" --data "$tmp" \
  --batch 2 --epochs 1 --threads 2 --out "$tmp/run" --resume "$tmp/run/checkpoint.safetensors"

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
