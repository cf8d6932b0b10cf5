#!/usr/bin/env bash
# senet train and eval end to end on a real CIFAR-10 subset (from the JPEG
# archive in ../shared/data): the loss falls and the accuracy beats chance by
# a stated margin; a run killed with SIGKILL mid-epoch and resumed ends
# bit-identical to an uninterrupted one; eval reports what train logged.
# Usage: train_test.sh path/to/senet path/to/cifar10-jpeg.tar.gz
set -u
senet=$1 archive=$2
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
passed=0 failed=0
ok() { passed=$((passed + 1)); echo "ok   $1"; }
bad() { failed=$((failed + 1)); echo "FAIL $1"; }
py=/usr/bin/python3

# 100 training and 20 test images per class.
tar xzf "$archive" -C "$tmp" --wildcards 'train/*/00[0-9][0-9].jpg' 'test/*/001[0-9].jpg' 'test/*/000[0-9].jpg' ||
  { echo "cannot extract $archive"; echo "0 passed, 1 failed"; exit 1; }
data=$tmp
[ "$(find "$data/train" -name '*.jpg' | wc -l)" -eq 1000 ] && ok "subset of 1000 training images" || bad "subset size"

common=(--arch se_resnet20 --data "$data" --batch 50 --lr 0.05 --seed 5 --threads 2 --schedule constant)
out=$("$senet" train "${common[@]}" --epochs 6 --out "$tmp/run" 2>&1)
status=$?
[ $status -eq 0 ] && ok "train exits 0" || { bad "train exits $status"; echo "$out" | tail -5; }
# The JPEG archive is a folder of 32x32 images: it trains like CIFAR (pad,
# crop, flip), not with ImageNet's random resized crops of as little as 8%.
grep -q "CIFAR augmentation (pad 4, random 32x32 crop, flip)" <<<"$out" && ok "the CIFAR folder gets CIFAR augmentation" ||
  bad "pipeline of the CIFAR folder: $(grep augmentation <<<"$out")"
# A folder of larger pictures gets ImageNet's; --augment overrides either way.
$py - "$tmp/photos" "$data" <<'PY'
import os, sys
from PIL import Image
for c in ("cat", "dog"):
    os.makedirs(os.path.join(sys.argv[1], "train", c))
    src = os.path.join(sys.argv[2], "train", c, "0000.jpg")
    Image.open(src).resize((80, 80)).save(os.path.join(sys.argv[1], "train", c, "a.png"))
PY
one=(--arch se_resnet20 --batch 2 --epochs 1 --max-steps 1 --threads 1)
out=$("$senet" train "${one[@]}" --data "$tmp/photos" --out "$tmp/p1" 2>&1)
grep -q "ImageNet augmentation (random resized crop to 32x32, area 0.08-1, flip)" <<<"$out" &&
  ok "a folder of 80x80 pictures gets ImageNet augmentation" || bad "pipeline of the 80x80 folder: $out"
out=$("$senet" train "${one[@]}" --data "$tmp/photos" --augment cifar --out "$tmp/p2" 2>&1)
grep -q "CIFAR augmentation (pad 4, random 80x80 crop, flip)" <<<"$out" && ok "--augment cifar" || bad "--augment cifar: $out"
out=$("$senet" train "${one[@]}" --data "$data" --augment imagenet --out "$tmp/p3" 2>&1)
grep -q "ImageNet augmentation (random resized crop to 32x32" <<<"$out" && ok "--augment imagenet" || bad "--augment imagenet: $out"
# MNIST-format files (28x28 grey, here from the CIFAR images) are never
# flipped: shifted by up to 2 pixels on a 32x32 canvas, and evaluated centred.
$py - "$tmp/idx" "$data" <<'PY'
import os, sys, struct, glob
import numpy as np
from PIL import Image
os.makedirs(sys.argv[1])
for split, prefix, n in (("train", "train", 20), ("test", "t10k", 10)):
    files = sorted(glob.glob(os.path.join(sys.argv[2], split, "*", "0000.jpg")) +
                   glob.glob(os.path.join(sys.argv[2], split, "*", "0001.jpg")))[:n]
    pixels = np.stack([np.asarray(Image.open(f).convert("L").resize((28, 28))) for f in files])
    labels = np.arange(len(files), dtype=np.uint8) % 10
    with open(os.path.join(sys.argv[1], prefix + "-images-idx3-ubyte"), "wb") as f:
        f.write(struct.pack(">IIII", 2051, len(files), 28, 28) + pixels.astype(np.uint8).tobytes())
    with open(os.path.join(sys.argv[1], prefix + "-labels-idx1-ubyte"), "wb") as f:
        f.write(struct.pack(">II", 2049, len(files)) + labels.tobytes())
PY
out=$("$senet" train --arch se_resnet20 --batch 10 --epochs 1 --threads 1 --data "$tmp/idx" --out "$tmp/m1" 2>&1); s=$?
[ $s -eq 0 ] && grep -q "CIFAR augmentation (pad 4, random 32x32 crop)$" <<<"$out" && grep -q "test loss" <<<"$out" &&
  ok "MNIST files: shifted on 32x32, not flipped, evaluated" || bad "MNIST pipeline (exit $s): $out"
out=$("$senet" train "${one[@]}" --data "$data" --augment mixup --out "$tmp/p4" 2>&1); s=$?
[ $s -ne 0 ] && grep -q "augment 'mixup' is not one of: cifar | imagenet" <<<"$out" && ok "a bad --augment is named" ||
  bad "--augment mixup: $out"
# First and last epoch lines of the log: train loss falls, test accuracy above chance (10%).
read -r first_loss last_loss last_top1 < <($py - "$tmp/run/log.jsonl" <<'PY'
import json, sys
epochs = [json.loads(l) for l in open(sys.argv[1]) if '"epoch"' in l and json.loads(l)["type"] == "epoch"]
print(epochs[0]["train_loss"], epochs[-1]["train_loss"], epochs[-1]["test_top1"])
PY
)
echo "train loss $first_loss -> $last_loss, test top-1 $last_top1% after 6 epochs on 1000 images"
$py -c "import sys; sys.exit(not ($last_loss < 0.85 * $first_loss))" && ok "train loss falls by more than 15%" || bad "train loss did not fall enough"
$py -c "import sys; sys.exit(not ($last_top1 >= 20))" && ok "test top-1 >= 20% (chance 10%)" || bad "test top-1 $last_top1 < 20%"
[ -f "$tmp/run/final.safetensors" ] && ok "final weights written" || bad "no final weights"
# best.safetensors: the weights of the first epoch with the best test top-1, which eval measures again.
best=$($py - "$tmp/run/log.jsonl" "$tmp/run/best.safetensors" <<'PY'
import json, struct, sys
epochs = [json.loads(l) for l in open(sys.argv[1]) if '"type": "epoch"' in l]
top = max(e["test_top1"] for e in epochs)
first = next(e["epoch"] for e in epochs if e["test_top1"] == top)
with open(sys.argv[2], "rb") as f:
    meta = json.loads(f.read(struct.unpack("<Q", f.read(8))[0]))["__metadata__"]
assert int(meta["epoch"]) == first and abs(float(meta["test_top1"]) - top) < 1e-3, (meta, first, top)
print(top)
PY
) && ok "best.safetensors is the first epoch with the best test top-1 ($best%)" || bad "best.safetensors: $best"
json=$("$senet" eval --arch se_resnet20 --weights "$tmp/run/best.safetensors" --data "$data" --json 2>&1)
$py -c "import json, sys; sys.exit(abs(json.loads(sys.argv[1])['top1'] - float(sys.argv[2])) > 1e-3)" "$json" "$best" &&
  ok "eval of best.safetensors gives its logged top-1" || bad "eval of best: $json (logged $best)"

# A folder without train/ and test/: a warning, or --val-split holds a part of it out
# (by the seed), and eval --val-split finds that part again.
out=$("$senet" train "${one[@]}" --data "$data/train" --out "$tmp/v0" 2>&1)
grep -q "warning: .* has no train/ and test/ (or val/) folders" <<<"$out" && ok "a folder without splits is warned of" ||
  bad "no warning for the unsplit folder: $out"
out=$("$senet" train --arch se_resnet20 --batch 50 --epochs 1 --threads 1 --lr 0.05 --seed 4 --val-split 0.1 \
  --data "$data/train" --out "$tmp/v1" 2>&1)
grep -q "100 of the training images held out to evaluate on (--val-split 0.1, seed 4)" <<<"$out" &&
  ok "--val-split 0.1 holds out 100 of 1000" || bad "--val-split: $out"
grep -q "epoch 1/1: .* | val loss" <<<"$out" && ! grep -q "| test loss" <<<"$out" &&
  ok "with --val-split the epoch line says val" || bad "the epoch line under --val-split: $out"
held=$("$senet" eval --arch se_resnet20 --weights "$tmp/v1/final.safetensors" --data "$data/train" --val-split 0.1 \
  --seed 4 --json 2>&1)
kept=$("$senet" eval --arch se_resnet20 --weights "$tmp/v1/final.safetensors" --data "$data/train" --val-split 0.1 \
  --seed 4 --train-split --json 2>&1)
$py - "$tmp/v1/log.jsonl" "$held" "$kept" <<'PY' && ok "eval --val-split finds the run's held-out part" || bad "eval --val-split: $held"
import json, sys
last = [json.loads(l) for l in open(sys.argv[1]) if '"type": "epoch"' in l][-1]
held, kept = json.loads(sys.argv[2]), json.loads(sys.argv[3])
assert held["n"] == 100 and kept["n"] == 900, (held["n"], kept["n"])
assert abs(held["top1"] - last["test_top1"]) < 1e-3 and abs(held["loss"] - last["test_loss"]) < 1e-4, (held, last)
PY

# eval on the final weights reports the logged test accuracy.
json=$("$senet" eval --arch se_resnet20 --weights "$tmp/run/final.safetensors" --data "$data" --json 2>&1)
$py - "$json" "$last_top1" <<'PY' && ok "eval --json matches the logged accuracy" || bad "eval: $json"
import json, sys
d = json.loads(sys.argv[1])
assert d["n"] == 200 and abs(d["top1"] - float(sys.argv[2])) < 1e-3 and 0 <= d["top5"] <= 100
assert len(d["confusion"]) == 10 and sum(map(sum, d["confusion"])) == 200
PY

# Kill mid-epoch, resume, compare with an uninterrupted run (fixed seed and threads).
short=(--epochs 2 --checkpoint-every 7)
"$senet" train "${common[@]}" "${short[@]}" --out "$tmp/straight" >/dev/null 2>&1
"$senet" train "${common[@]}" "${short[@]}" --out "$tmp/killed" >/dev/null 2>&1 &
pid=$!
for _ in $(seq 3000); do  # up to 5 minutes: sanitizer builds are slow
  grep -q '"step": 12,' "$tmp/killed/log.jsonl" 2>/dev/null && break
  sleep 0.1
done
kill -KILL $pid 2>/dev/null
wait $pid 2>/dev/null
if [ -f "$tmp/killed/checkpoint.safetensors" ]; then
  "$senet" train "${common[@]}" "${short[@]}" --out "$tmp/killed" --resume "$tmp/killed/checkpoint.safetensors" >/dev/null 2>&1
  /usr/bin/python3 "$(dirname "$0")/same_tensors.py" "$tmp/straight/final.safetensors" "$tmp/killed/final.safetensors" &&
    ok "SIGKILL mid-epoch + resume ends bit-identical" || bad "resumed run differs from the uninterrupted one"
else
  bad "no checkpoint after the kill"
fi

# Fine-tuning the 10-class run on a 2-class task (cat, dog): a new classifier,
# stem and layer1 frozen (weights and BN statistics equal the start's, layer2
# moved), the data's class names in the file, and eval needs no flags.
mkdir -p "$tmp/two/train" "$tmp/two/test"
for split in train test; do for c in cat dog; do ln -s "$data/$split/$c" "$tmp/two/$split/$c"; done; done
tune=(--weights "$tmp/run/final.safetensors" --data "$tmp/two" --batch 50 --lr 0.01 --seed 5 --threads 2
      --epochs 1 --freeze stem,layer1 --head-lr-mult 10)
out=$("$senet" train "${tune[@]}" --out "$tmp/tune" 2>&1); s=$?
[ $s -eq 0 ] && grep -q "its classifier (10 classes) replaced by a new one of 2" <<<"$out" &&
  grep -q "frozen: stem,layer1 (weights and BN statistics); the classifier learns at 10 x --lr" <<<"$out" &&
  ok "fine-tuning: a new 2-class classifier, stem and layer1 frozen" || bad "fine-tuning ($s): $out"
$py - "$(dirname "$0")/ref" "$tmp/run/final.safetensors" "$tmp/tune/final.safetensors" <<'PY' &&
import sys
sys.path.insert(0, sys.argv[1])
import numpy as np
import st_numpy
start, (tuned, meta) = st_numpy.load(sys.argv[2]), st_numpy.load_with_metadata(sys.argv[3])
frozen = [k for k in start if k.startswith(("layer0.", "layer1."))]
assert frozen and all(np.array_equal(start[k], tuned[k]) for k in frozen), "a frozen tensor moved"
moved = [k for k in start if k.startswith("layer2.") and k.endswith(".weight")]
assert all(not np.array_equal(start[k], tuned[k]) for k in moved), "a layer2 weight did not move"
assert tuned["last_linear.weight"].shape == (2, 64) and meta["class_names"].split() == ["cat", "dog"], meta
PY
  ok "fine-tuned file: frozen tensors and BN statistics as the start's, layer2 moved, 2 classes named" ||
  bad "the fine-tuned file"
out=$("$senet" eval --weights "$tmp/tune/final.safetensors" --data "$tmp/two" 2>&1); s=$?
[ $s -eq 0 ] && grep -q "top-1" <<<"$out" && ok "eval of the fine-tuned file needs no --arch or --num-classes" ||
  bad "eval of the fine-tuned file ($s): $out"
"$senet" train "${tune[@]}" --freeze stem --out "$tmp/tune" --epochs 2 --extend \
  --resume "$tmp/tune/checkpoint.safetensors" 2>"$tmp/err"; s=$?
[ $s -eq 2 ] && grep -q -- "--freeze: stem,layer1 in the checkpoint, stem now" "$tmp/err" &&
  ok "resume with another --freeze lists the difference" || bad "resume with another --freeze ($s): $(cat "$tmp/err")"
"$senet" train "${tune[@]}" --freeze layer1 --out "$tmp/t2" 2>"$tmp/err"; s=$?
[ $s -eq 2 ] && grep -q "only a leading run of stages" "$tmp/err" && ok "--freeze layer1 alone is refused" ||
  bad "--freeze layer1 ($s): $(cat "$tmp/err")"
"$senet" train "${tune[@]}" --freeze stem,layer4 --out "$tmp/t2" 2>"$tmp/err"; s=$?
[ $s -eq 2 ] && grep -q "'layer4' is not a stage of se_resnet20" "$tmp/err" && ok "--freeze names a missing stage" ||
  bad "--freeze layer4 ($s): $(cat "$tmp/err")"
"$senet" train "${common[@]}" --reset-head --out "$tmp/t2" 2>"$tmp/err"; s=$?
[ $s -eq 2 ] && grep -q -- "--reset-head applies only with --weights" "$tmp/err" && ok "--reset-head without --weights" ||
  bad "--reset-head without --weights ($s): $(cat "$tmp/err")"

# Unreadable images are found before training: reported by file, left out
# and counted, or with --strict-data the run stops before its first step.
for split in train test; do for c in cat dog; do
  mkdir -p "$tmp/bad/$split/$c" && cp "$data/$split/$c"/000[0-9].jpg "$tmp/bad/$split/$c/"
done; done
echo "not a JPEG" >"$tmp/bad/train/cat/broken.jpg"
head -c 300 "$data/test/dog/0000.jpg" >"$tmp/bad/test/dog/cut.jpg"
out=$("$senet" train "${one[@]}" --data "$tmp/bad" --out "$tmp/b1" 2>&1); s=$?
[ $s -eq 0 ] && grep -q "training image .*broken.jpg" <<<"$out" && grep -q "test image .*cut.jpg" <<<"$out" &&
  grep -q "1 of the 21 training images left out as unreadable" <<<"$out" &&
  grep -q "1 of the 21 test images left out as unreadable" <<<"$out" &&
  grep -q "(20 images, 2 classes)" <<<"$out" && ok "unreadable images are named, counted and left out" ||
  bad "unreadable images ($s): $out"
out=$("$senet" train "${one[@]}" --data "$tmp/bad" --strict-data --out "$tmp/b2" 2>&1); s=$?
[ $s -eq 1 ] && grep -q "broken.jpg" <<<"$out" && grep -q "stopped before training" <<<"$out" &&
  [ ! -e "$tmp/b2/checkpoint.safetensors" ] && ok "--strict-data stops before training" ||
  bad "--strict-data ($s): $out"

# Errors name the problem.
"$senet" train --arch se_resnet20 --data "$tmp/nowhere" --out "$tmp/x" 2>"$tmp/err"; s=$?
[ $s -ne 0 ] && grep -q "$tmp/nowhere" "$tmp/err" && ok "missing data is named" || bad "missing data: $(cat "$tmp/err")"
"$senet" train "${common[@]}" --out "$tmp/x" --resume "$tmp/run/final.safetensors" 2>"$tmp/err"; s=$?
[ $s -ne 0 ] && grep -q "not a senet checkpoint" "$tmp/err" && ok "weights are not a checkpoint" || bad "resume from weights: $(cat "$tmp/err")"
"$senet" train "${common[@]}" --arch resnet20 --out "$tmp/x" --resume "$tmp/run/checkpoint.safetensors" 2>"$tmp/err"; s=$?
[ $s -ne 0 ] && grep -q "checkpoint is of" "$tmp/err" && ok "a checkpoint of another net is refused" || bad "resume into resnet20: $(cat "$tmp/err")"

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
