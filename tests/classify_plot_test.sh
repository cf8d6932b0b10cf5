#!/usr/bin/env bash
# senet classify and senet plot end to end: real CIFAR-10 JPEGs and a PNG
# through a freshly initialised se_resnet20 (output format, --top, --json,
# --labels, errors that name the file), the probabilities checked against
# `senet forward` on the same pixels, and a synthetic training log drawn as an
# SVG that must be well-formed XML with every series.
# Usage: classify_plot_test.sh path/to/senet path/to/cifar10-jpeg.tar.gz
set -u
senet=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
archive=$2
py=/usr/bin/python3
here=$(cd "$(dirname "$0")" && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
passed=0 failed=0

ok() { passed=$((passed + 1)); }
fail() {
  failed=$((failed + 1))
  echo "FAIL: $*"
}

# expect STATUS PATTERN -- command...: the exit status and a regex that stdout+stderr must match
expect() {
  local want=$1 pattern=$2
  shift 3
  local out status
  out=$("$@" 2>&1)
  status=$?
  if [ "$status" -eq "$want" ] && { [ -z "$pattern" ] || printf '%s\n' "$out" | grep -Eq -- "$pattern"; }; then
    ok
  else
    fail "$* -> status $status (want $want), output:"
    printf '%s\n' "$out" | head -5
  fi
}

# check NAME -- command...: passes when the command exits 0
check() {
  local name=$1
  shift 2
  local out
  if out=$("$@" 2>&1); then ok; else
    fail "$name"
    printf '%s\n' "$out" | head -8
  fi
}

# ---- inputs: two CIFAR-10 test JPEGs, a PNG of another size, a grey PNG, a weights file ----
if ! tar xzf "$archive" -C "$tmp" test/cat/0000.jpg test/ship/0000.jpg; then
  echo "cannot extract images from $archive"
  echo "0 passed, 1 failed"
  exit 1
fi
cat=$tmp/test/cat/0000.jpg ship=$tmp/test/ship/0000.jpg
"$py" - "$cat" "$tmp/wide.png" "$tmp/grey.png" <<'EOF' || { echo "0 passed, 1 failed (python3-pil)"; exit 1; }
import sys
from PIL import Image
im = Image.open(sys.argv[1]).convert("RGB")
im.resize((64, 48), Image.BILINEAR).save(sys.argv[2])
im.convert("L").save(sys.argv[3])
EOF
w=$tmp/w.safetensors
check init -- "$senet" init --arch se_resnet20 --output "$w" --seed 3
net=(--arch se_resnet20 --weights "$w")

# ---- classify: text output ----
expect 0 'usage: senet classify' -- "$senet" classify --help
out=$("$senet" classify "${net[@]}" "$cat" "$ship" "$tmp/wide.png" "$tmp/grey.png" 2>&1)
status=$?
[ $status -eq 0 ] && ok || fail "classify 4 images: status $status"
# 4 blocks: the path, then 5 lines "  P  NAME" with CIFAR-10 names, P descending, sum <= 1
check "classify text format" -- "$py" - "$out" "$cat" "$ship" "$tmp/wide.png" "$tmp/grey.png" <<'EOF'
import re, sys
lines, paths = sys.argv[1].splitlines(), sys.argv[2:]
names = "airplane automobile bird cat deer dog frog horse ship truck".split()
assert len(lines) == 6 * len(paths), lines
for b, path in enumerate(paths):
    block = lines[6 * b: 6 * b + 6]
    assert block[0] == path, block[0]
    probs = []
    for line in block[1:]:
        m = re.fullmatch(r"  (\d\.\d{4})  (.+)", line)
        assert m and m.group(2) in names, line
        probs.append(float(m.group(1)))
    assert probs == sorted(probs, reverse=True) and 0 < sum(probs) <= 1.0005, probs
    assert len({l.split()[-1] for l in block[1:]}) == 5, block
EOF
out=$("$senet" classify "${net[@]}" --top 3 "$cat" 2>&1)
[ "$(printf '%s\n' "$out" | grep -Ec '^  [0-9.]+  ')" -eq 3 ] && ok || fail "--top 3 prints 3 classes: $out"
out=$("$senet" classify "${net[@]}" --top 50 "$cat" 2>&1)
[ "$(printf '%s\n' "$out" | grep -Ec '^  [0-9.]+  ')" -eq 10 ] && ok || fail "--top 50 prints the 10 classes"

# ---- classify --json, and the probabilities against senet forward on the same pixels ----
json=$("$senet" classify "${net[@]}" --json --top 10 "$cat" "$ship")
status=$?
[ $status -eq 0 ] && ok || fail "classify --json: status $status"
check "classify --json matches softmax(senet forward)" -- "$py" - "$json" "$senet" "$w" "$tmp" "$here/ref" <<'EOF'
import json, subprocess, sys
import numpy as np
from PIL import Image
doc, senet, w, tmp = json.loads(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4]
sys.path.insert(0, sys.argv[5])
import st_numpy
assert doc["arch"] == "se_resnet20" and doc["num_classes"] == 10 and doc["input_size"] == 32, doc
names = "airplane automobile bird cat deer dog frog horse ship truck".split()
paths = [im["path"] for im in doc["images"]]
mean = np.array([0.4914, 0.4822, 0.4465], np.float32)
std = np.array([0.2470, 0.2435, 0.2616], np.float32)
x = np.stack([((np.asarray(Image.open(p).convert("RGB"), np.float32) / 255 - mean) / std).transpose(2, 0, 1)
              for p in paths]).astype(np.float32)
st_numpy.save(tmp + "/in.safetensors", {"input": x})
subprocess.run([senet, "forward", "--arch", "se_resnet20", "--weights", w, "--input", tmp + "/in.safetensors",
                "--output", tmp + "/out.safetensors"], check=True)
logits = st_numpy.load(tmp + "/out.safetensors")["logits"].astype(np.float64)
ref = np.exp(logits - logits.max(1, keepdims=True))
ref /= ref.sum(1, keepdims=True)
for i, im in enumerate(doc["images"]):
    top = im["top"]
    assert len(top) == 10 and sorted(t["class"] for t in top) == list(range(10)), top
    assert all(t["name"] == names[t["class"]] for t in top), top
    p = [t["probability"] for t in top]
    assert p == sorted(p, reverse=True) and abs(sum(p) - 1) < 1e-4, p
    got = np.zeros(10)
    for t in top:
        got[t["class"]] = t["probability"]
    assert np.abs(got - ref[i]).max() < 1e-3, (got, ref[i])
EOF

# ---- classify FOLDER: its .jpg/.jpeg/.png files in sorted order, not the rest ----
mkdir -p "$tmp/album/sub" "$tmp/empty"
cp "$ship" "$tmp/album/b.JPG"
cp "$cat" "$tmp/album/a.jpeg"
cp "$cat" "$tmp/album/sub/c.jpg"
echo "not an image" >"$tmp/album/notes.txt"
out=$("$senet" classify "${net[@]}" --top 1 "$tmp/album" 2>&1)
[ "$(printf '%s\n' "$out" | grep -v '^  ' | tr '\n' ' ')" = "$tmp/album/a.jpeg $tmp/album/b.JPG " ] && ok ||
  fail "classify FOLDER: $out"
expect 1 'empty: no .jpg, .jpeg or .png images in the folder' -- "$senet" classify "${net[@]}" "$tmp/empty" "$cat"
# --recursive: subfolders too (sorted by path), not hidden ones, not through a link back up
mkdir -p "$tmp/album/sub/deeper" "$tmp/album/.hidden"
cp "$ship" "$tmp/album/sub/deeper/d.jpg"
cp "$cat" "$tmp/album/.hidden/h.jpg"
ln -s .. "$tmp/album/sub/loop"
out=$("$senet" classify "${net[@]}" --top 1 --recursive "$tmp/album" 2>&1)
[ "$(printf '%s\n' "$out" | grep -v '^  ' | tr '\n' ' ')" = \
  "$tmp/album/a.jpeg $tmp/album/b.JPG $tmp/album/sub/c.jpg $tmp/album/sub/deeper/d.jpg " ] && ok ||
  fail "classify --recursive FOLDER: $out"
expect 1 'no .jpg, .jpeg or .png images in the folder or below it' -- "$senet" classify "${net[@]}" --recursive \
  "$tmp/empty"

# ---- classify: errors name the file; the other images are still classified ----
out=$("$senet" classify "${net[@]}" "$tmp/missing.jpg" "$cat" 2>&1)
status=$?
if [ $status -eq 1 ] && printf '%s\n' "$out" | grep -q "missing.jpg: cannot open" &&
  printf '%s\n' "$out" | grep -qx "$cat"; then ok; else
  fail "missing image: status $status, output: $out"
fi
echo "not an image" >"$tmp/notes.txt"
expect 1 'notes.txt: not a JPEG or PNG' -- "$senet" classify "${net[@]}" "$tmp/notes.txt"
head -c 300 "$cat" >"$tmp/truncated.jpg"
expect 1 'truncated.jpg' -- "$senet" classify "${net[@]}" "$tmp/truncated.jpg"
out=$("$senet" classify "${net[@]}" --json "$cat" "$tmp/notes.txt" 2>/dev/null)
status=$?
check "--json reports the failed image" -- "$py" -c '
import json, sys
doc = json.loads(sys.argv[1])
assert len(doc["images"]) == 2 and "top" in doc["images"][0], doc
assert "notes.txt" in doc["images"][1]["error"], doc' "$out"
[ $status -eq 1 ] && ok || fail "--json with a bad image: status $status (want 1)"
expect 2 'no image given' -- "$senet" classify "${net[@]}"
expect 2 '--top 0 is out of range \(1 or more\)' -- "$senet" classify "${net[@]}" --top 0 "$cat"
expect 2 "--normalize 'bogus' is not one of" -- "$senet" classify "${net[@]}" --normalize bogus "$cat"

# ---- classify --labels ----
printf 'one\ntwo\nthree\n' >"$tmp/three.txt"
expect 2 'three.txt: the labels file has 3 names.*10 classes' -- "$senet" classify "${net[@]}" --labels "$tmp/three.txt" "$cat"
expect 1 'nolabels.txt: cannot open' -- "$senet" classify "${net[@]}" --labels "$tmp/nolabels.txt" "$cat"
printf 'c0\nc1\nc2\nc3\nc4\nc5\nc6\nc7\nc8\nclass nine\n\n' >"$tmp/ten.txt"
out=$("$senet" classify "${net[@]}" --labels "$tmp/ten.txt" --top 10 "$cat" 2>&1)
[ "$(printf '%s\n' "$out" | grep -Ec '^  [0-9.]+  (c[0-8]|class nine)$')" -eq 10 ] && ok || fail "--labels names: $out"
# a net with neither built-in names nor labels gets "class N"
check "init 7 classes" -- "$senet" init --arch resnet20 --num-classes 7 --output "$tmp/w7.safetensors"
expect 0 '^  [0-9.]+  class [0-6]$' -- "$senet" classify --arch resnet20 --num-classes 7 --weights "$tmp/w7.safetensors" "$cat"

# ---- classify: the default model ----
default="$(dirname "$senet")/../models/se_resnet20_cifar10.safetensors"
out=$(cd "$tmp" && "$senet" classify "$cat" 2>&1)
status=$?
if [ -f "$default" ]; then
  want=0 pattern='^  [0-9.]+  (airplane|automobile|bird|cat|deer|dog|frog|horse|ship|truck)$'
else
  want=2 pattern='no default model is available.*pass --arch and --weights'
fi
if [ $status -eq $want ] && printf '%s\n' "$out" | grep -Eq -- "$pattern"; then ok; else
  fail "classify without --weights: status $status (want $want), output: $out"
fi

# ---- plot ----
expect 0 'usage: senet plot' -- "$senet" plot --help
log=$tmp/log.jsonl
"$py" - "$log" <<'EOF'
import json, math, sys
lines, step = [], 0
for epoch in range(6):
    for b in range(20):
        step += 1
        loss = 2.3 * math.exp(-(epoch + b / 20) / 3) + 0.1 * ((step * 7919) % 13) / 13
        lines.append({"type": "step", "epoch": round(epoch + (b + 1) / 20, 5), "step": step, "loss": loss, "lr": 0.1})
    rec = {"type": "epoch", "epoch": epoch + 1, "step": step, "train_loss": 2.3 * math.exp(-epoch / 3),
           "train_top1": 30 + 10 * epoch, "seconds": 1.5, "unknown_key": [1, {"x": None}]}
    if epoch % 2 == 1:  # evaluated every other epoch
        rec.update(test_loss=2.4 * math.exp(-epoch / 3), test_top1=25 + 10 * epoch, test_top5=70 + 4 * epoch)
    lines.append(rec)
lines.insert(3, {"type": "note", "text": "ignored"})
with open(sys.argv[1], "w") as f:
    f.write("\n".join(json.dumps(l) for l in lines) + "\n\n")
EOF
check "plot" -- "$senet" plot "$log" -o "$tmp/curves.svg" --title 'se_resnet20 <test> & "log"'
check "plot SVG is well-formed with every series" -- "$py" - "$tmp/curves.svg" <<'EOF'
import sys
import xml.etree.ElementTree as ET
root = ET.parse(sys.argv[1]).getroot()
ns = "{http://www.w3.org/2000/svg}"
assert root.tag == ns + "svg", root.tag
ids = {e.get("id") for e in root.iter()}
for want in ["step-loss", "train-loss", "test-loss", "train-top1", "test-top1", "test-top5", "loss-legend",
             "accuracy-legend", "best-test-top1"]:
    assert want in ids, (want, sorted(i for i in ids if i))
texts = [e.text or "" for e in root.iter(ns + "text")]
assert 'se_resnet20 <test> & "log"' in texts, texts[:5]
for want in ["train top-1", "test top-1", "test top-5", "test loss", "epoch", "Loss", "Accuracy", "75.00%"]:
    assert any(want in t for t in texts), want
# the test series has the 3 evaluated epochs, bridged into one line
test = next(e for e in root.iter() if e.get("id") == "test-top1")
points = test.find(ns + "polyline").get("points").split()
assert len(points) == 3, points
EOF
check "plot -o with --output= form" -- "$senet" plot --output="$tmp/b.svg" "$log"
grep -q '<title>log.jsonl</title>' "$tmp/b.svg" && ok || fail "default title is the log's name"
printf '{"type": "step", "epoch": 0.1, "step": 1, "loss": 2.3}\n{"type": "step", "epoch": 0.2, "step": 2, "loss": 2.2}\n{"type": "step", "epoch": 0.3, "loss": }\n' >"$tmp/bad.jsonl"
expect 1 'bad.jsonl: malformed line: line 3: invalid JSON' -- "$senet" plot "$tmp/bad.jsonl" -o "$tmp/bad.svg"
printf '[1, 2]\n' >"$tmp/array.jsonl"
expect 1 'array.jsonl: line 1: expected a JSON object' -- "$senet" plot "$tmp/array.jsonl" -o "$tmp/a.svg"
printf '{"type": "step", "epoch": 0.1, "step": 1, "loss": 2.3}\n{"type": "st' >"$tmp/live.jsonl"
expect 0 'skipping the unfinished last line 2' -- "$senet" plot "$tmp/live.jsonl" -o "$tmp/live.svg"
printf '{"hello": 1}\n' >"$tmp/empty.jsonl"
expect 1 'empty.jsonl: no step or epoch records' -- "$senet" plot "$tmp/empty.jsonl" -o "$tmp/e.svg"
expect 1 'nolog.jsonl: cannot open' -- "$senet" plot "$tmp/nolog.jsonl" -o "$tmp/n.svg"
expect 2 'curves.pdf: the output must end in .svg or .png' -- "$senet" plot "$log" -o "$tmp/curves.pdf"
expect 2 '--output is required' -- "$senet" plot "$log"
expect 1 'cannot create' -- "$senet" plot "$log" -o "$tmp/no/such/dir.svg"

# ---- plot of a gzip log; several logs side by side ----
gzip -c "$log" >"$tmp/log2.jsonl.gz"
check "plot reads a gzip log" -- "$senet" plot "$tmp/log2.jsonl.gz" -o "$tmp/gz.svg" --title 'se_resnet20 <test> & "log"'
cmp -s "$tmp/gz.svg" "$tmp/curves.svg" && ok || fail "the gzip log's plot differs from the plain log's"
mkdir -p "$tmp/runs/plain" "$tmp/runs/se"
cp "$log" "$tmp/runs/se/log.jsonl"
"$py" - "$log" "$tmp/runs/plain/log.jsonl" <<'EOF'
import json, sys
with open(sys.argv[2], "w") as out:
    for line in open(sys.argv[1]):
        if line.strip():
            r = json.loads(line)
            for k in ("test_top1", "train_top1"):
                if k in r:
                    r[k] -= 3
            out.write(json.dumps(r) + "\n")
EOF
check "plot two logs" -- "$senet" plot "$tmp/runs/se/log.jsonl" "$tmp/runs/plain/log.jsonl" -o "$tmp/cmp.svg"
check "the comparison has both runs' series, named from their paths" -- "$py" - "$tmp/cmp.svg" <<'EOF'
import sys
import xml.etree.ElementTree as ET
ns = "{http://www.w3.org/2000/svg}"
root = ET.parse(sys.argv[1]).getroot()
ids = {e.get("id"): e for e in root.iter() if e.get("id")}
for run in (1, 2):
    for series in ("test-loss", "train-loss", "test-top1", "train-top1"):
        assert f"run{run}-{series}" in ids, (run, series, sorted(ids))
# 3 evaluated epochs in the test series, 6 in the train series; the runs in different colours
assert len(ids["run1-test-top1"].find(ns + "polyline").get("points").split()) == 3
assert len(ids["run2-train-top1"].find(ns + "polyline").get("points").split()) == 6
colours = {ids[f"run{r}-test-top1"].find(ns + "polyline").get("stroke") for r in (1, 2)}
assert len(colours) == 2, colours
texts = [e.text or "" for e in root.iter(ns + "text")]
assert "se vs plain" in texts, texts[:3]  # runs/NAME/log.jsonl is run NAME
assert any("se 75.00%" in t and "plain 72.00%" in t for t in texts), texts[:3]
assert sum(t == "plain" for t in texts) == 2, texts  # in both legends
EOF
check "plot --labels" -- "$senet" plot "$log" "$tmp/runs/plain/log.jsonl" -o "$tmp/cmp2.svg" --labels 'SE,no SE'
grep -q '<title>SE vs no SE</title>' "$tmp/cmp2.svg" && ok || fail "--labels name the runs in the title"
expect 2 '--labels gives 1 name for 2 logs' -- "$senet" plot "$log" "$log" -o "$tmp/x.svg" --labels one
expect 2 'at most 8 logs' -- "$senet" plot "$log" "$log" "$log" "$log" "$log" "$log" "$log" "$log" "$log" -o "$tmp/x.svg"

# ---- plot as PNG: the SVG's picture, rendered (librsvg) at --scale ----
check "plot PNG" -- "$senet" plot "$log" -o "$tmp/curves.png" --title 'se_resnet20 <test> & "log"'
check "plot PNG --scale 1" -- "$senet" plot "$log" -o "$tmp/small.png" --scale 1 --title 'se_resnet20 <test> & "log"'
check "plot PNG draws the SVG's series where the SVG puts them" -- "$py" - "$tmp/curves.svg" "$tmp/curves.png" \
  "$tmp/small.png" <<'EOF'
import sys
import xml.etree.ElementTree as ET
import numpy as np
from PIL import Image
ns = "{http://www.w3.org/2000/svg}"
root = ET.parse(sys.argv[1]).getroot()
width, height = float(root.get("width")), float(root.get("height"))
png = Image.open(sys.argv[2])
assert png.format == "PNG" and png.size == (round(2 * width), round(2 * height)), (png.format, png.size)
assert Image.open(sys.argv[3]).size == (round(width), round(height))
px = np.asarray(png.convert("RGB"), np.int32)
assert (px[0, 0] == 255).all() and (px != 255).any(axis=2).mean() > 0.05, "blank or not on white"
def near(x, y, colour, reach=3):
    """Some pixel within reach of SVG point (x, y), at scale 2, is within 40 of colour."""
    cx, cy = round(2 * x), round(2 * y)
    box = px[max(cy - reach, 0):cy + reach + 1, max(cx - reach, 0):cx + reach + 1]
    want = np.array([int(colour[i:i + 2], 16) for i in (1, 3, 5)])
    return (np.abs(box - want).max(axis=2) < 40).any()
checked = 0
for series in ("train-top1", "test-top1", "train-loss", "test-loss"):
    g = next(e for e in root.iter() if e.get("id") == series)
    line = g.find(ns + "polyline")
    for point in line.get("points").split():
        x, y = map(float, point.split(","))
        assert near(x, y, line.get("stroke")), (series, x, y, line.get("stroke"))
        checked += 1
assert checked >= 15, checked
title = next(e for e in root.iter(ns + "text") if e.text == 'se_resnet20 <test> & "log"')
ty = 2 * float(title.get("y"))
band = px[int(ty - 30):int(ty + 6), int(width - 200):int(width + 200)]
assert (band.max(axis=2) < 80).sum() > 300, "no title text drawn"
EOF
expect 1 'dir.png: cannot create' -- "$senet" plot "$log" -o "$tmp/no/such/dir.png"
expect 2 '--scale 0 is out of range' -- "$senet" plot "$log" -o "$tmp/x.png" --scale 0

# ---- plot --confusion: senet eval --json's matrix, a cell per (truth, prediction) with its count ----
mkdir -p "$tmp/cm"
tar xzf "$archive" -C "$tmp/cm" --wildcards 'test/*/000[0-2].jpg'
"$senet" eval "${net[@]}" --data "$tmp/cm" --json >"$tmp/eval.json" 2>/dev/null
if "$senet" plot --confusion "$tmp/eval.json" -o "$tmp/conf.svg" && "$senet" plot --confusion "$tmp/eval.json" \
  -o "$tmp/conf.png" --scale 1 &&
  "$py" - "$tmp/eval.json" "$tmp/conf.svg" "$tmp/conf.png" <<'EOF'; then ok; else fail "plot --confusion"; fi
import json, sys, xml.etree.ElementTree as ET
from PIL import Image
ev = json.load(open(sys.argv[1]))
k = len(ev["confusion"])
cells = {e.get("id"): int(e.get("data-count")) for e in ET.parse(sys.argv[2]).iter("{http://www.w3.org/2000/svg}rect")
         if (e.get("id") or "").startswith("cell-")}
assert len(cells) == k * k, len(cells)
for t in range(k):
    for p in range(k):
        assert cells["cell-%d-%d" % (t, p)] == ev["confusion"][t][p], (t, p)
assert sum(cells.values()) == ev["n"]
with Image.open(sys.argv[3]) as im:
    assert im.size[0] > 300 and im.size[1] > 300, im.size
EOF
echo '{"n": 3}' >"$tmp/noconf.json"
expect 1 'no "confusion" matrix' -- "$senet" plot --confusion "$tmp/noconf.json" -o "$tmp/y.svg"
expect 2 '--confusion takes no logs' -- "$senet" plot "$log" --confusion "$tmp/eval.json" -o "$tmp/y.svg"

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
