#!/usr/bin/env bash
# The quick-start demo: builds senet, describes SE-ResNet-50, initialises a
# CIFAR SE-ResNet-20, runs it forward on a batch and takes a few SGD steps.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/deps.sh
make -s >/dev/null
out=build/demo
mkdir -p "$out"
set -x
build/senet info --arch se_resnet50
build/senet init --arch se_resnet20 --seed 1 --output "$out/se_resnet20.safetensors"
{ set +x; } 2>/dev/null
# A batch of 16 random 32x32 images with labels, as a safetensors file.
python3 - "$out/batch.safetensors" <<'PY'
import json, random, struct, sys
random.seed(0)
n = 16
pixels = [random.gauss(0, 1) for _ in range(n * 3 * 32 * 32)]
labels = [random.randrange(10) for _ in range(n)]
data_x = struct.pack("<%df" % len(pixels), *pixels)
data_y = struct.pack("<%dq" % n, *labels)
header = {"input": {"dtype": "F32", "shape": [n, 3, 32, 32], "data_offsets": [0, len(data_x)]},
          "labels": {"dtype": "I64", "shape": [n], "data_offsets": [len(data_x), len(data_x) + len(data_y)]}}
h = json.dumps(header).encode()
h += b" " * (-len(h) % 8)
open(sys.argv[1], "wb").write(struct.pack("<Q", len(h)) + h + data_x + data_y)
PY
set -x
build/senet forward --arch se_resnet20 --weights "$out/se_resnet20.safetensors" --input "$out/batch.safetensors" --output "$out/logits.safetensors"
build/senet step --arch se_resnet20 --weights "$out/se_resnet20.safetensors" --input "$out/batch.safetensors" --output "$out/stepped.safetensors" --steps 10 --lr 0.05 --momentum 0.9
{ set +x; } 2>/dev/null
python3 - "$out/stepped.safetensors" <<'PY'
import json, struct, sys
raw = open(sys.argv[1], "rb").read()
n = struct.unpack("<Q", raw[:8])[0]
t = json.loads(raw[8:8 + n])["loss"]
b, e = t["data_offsets"]
loss = struct.unpack("<%df" % t["shape"][0], raw[8 + n + b:8 + n + e])
print("loss before each of the 10 SGD steps on one batch:", " ".join("%.3f" % v for v in loss))
PY
