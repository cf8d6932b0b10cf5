#!/usr/bin/env python3
"""The public data API (senet_data.h) as an embedding program sees it.

1. public_api_test's checks: errors name the file, handles are reused,
   the dataset calls on a small image folder.
2. Transforms against torchvision (not our code): real CIFAR-10 test photos,
   tiled into mosaics of three sizes (downscaling), one alone (upscaling),
   a grey PNG, through Resize + CenterCrop + Normalize with the ImageNet and
   Caffe presets, the CIFAR nets' input (as is, or Resize(32) + CenterCrop),
   and cifar-train's random crop and flip (one of the 162 of the padded image).
3. examples/classify.c, built against libsenet_data.so with the public
   headers only, prints what `senet classify --json` prints.
4. examples/train.c (the loader, SGD and schedule through the public API)
   ends 2 epochs on 200 real photos with the weights `senet train` ends
   with on the same recipe, bit for bit, and reports the same test top-1.
Usage: public_api_test.py PUBLIC_API_TEST SENET EXAMPLE_CLASSIFY EXAMPLE_TRAIN WEIGHTS ARCHIVE"""
import json, os, shutil, subprocess, sys, tarfile, tempfile

import numpy as np
import torch
import torchvision.transforms as T
from PIL import Image

tool, senet, example, example_train, weights, archive = sys.argv[1:7]
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "ref"))
import st_numpy
tmp = tempfile.mkdtemp(prefix="senet-public-api-")
passed = failed = 0


def check(ok, what):
    global passed, failed
    if ok:
        passed += 1
    else:
        failed += 1
        print("FAIL:", what)


def extract():
    """The first 40 test photos of each class; the first 3 cats and 2 dogs also as a folder dataset;
    20 training and 10 test photos of each class as a small CIFAR folder."""
    with tarfile.open(archive) as t:
        members = [m for m in t.getmembers() if m.name.endswith(".jpg")]
        t.extractall(tmp + "/all", members=[m for m in members if m.name.startswith("test/")
                                            and int(os.path.basename(m.name)[:4]) < 40])
        t.extractall(tmp + "/small", members=[m for m in members if int(os.path.basename(m.name)[:4])
                                              < (20 if m.name.startswith("train/") else 10)])
    photos = []
    for root, _, files in sorted(os.walk(tmp + "/all/test")):
        photos += [os.path.join(root, f) for f in sorted(files)]
    for cls, count in (("cat", 3), ("dog", 2)):
        os.makedirs(f"{tmp}/folder/test/{cls}")
        for i in range(count):
            shutil.copy(f"{tmp}/all/test/{cls}/{i:04d}.jpg", f"{tmp}/folder/test/{cls}/{i}.jpg")
    return photos


def mosaic(photos, rows, cols, h, w, name):
    """rows x cols real photos side by side, cut to h x w, as a PNG (lossless, so decoding is not in question)."""
    im = Image.new("RGB", (cols * 32, rows * 32))
    for i in range(rows * cols):
        im.paste(Image.open(photos[(i * 7) % len(photos)]).convert("RGB"), ((i % cols) * 32, (i // cols) * 32))
    path = f"{tmp}/{name}.png"
    im.crop((0, 0, w, h)).save(path)
    return path


def dump(pipeline, size, norm, seed, image):
    out = f"{tmp}/dump.bin"
    r = subprocess.run([tool, "dump", out, pipeline, str(size), norm or "-", str(seed), image],
                       capture_output=True, text=True)
    if r.returncode != 0:
        return None, r.stderr
    raw = open(out, "rb").read()
    dims = np.frombuffer(raw[:16], np.int32)
    return np.frombuffer(raw[16:], np.float32).reshape(3, dims[2], dims[3]), tuple(dims[:2])


IMAGENET = ([0.485, 0.456, 0.406], [0.229, 0.224, 0.225])
CIFAR = ([0.4914, 0.4822, 0.4465], [0.2470, 0.2435, 0.2616])


def reference(path, resize, crop, norm):
    """torchvision's Resize(resize) + CenterCrop(crop) on the PIL image, then the normalisation."""
    im = Image.open(path).convert("RGB")
    if resize:
        im = T.CenterCrop(crop)(T.Resize(resize)(im))
    if norm == "caffe":  # BGR in 0..255 minus the Caffe release's means
        x = np.asarray(im, np.float32)[:, :, ::-1] - np.array([104, 117, 123], np.float32)
        return x.transpose(2, 0, 1), np.ones(3, np.float32)
    mean, std = IMAGENET if norm == "imagenet" else CIFAR
    return T.Normalize(mean, std)(T.ToTensor()(im)).numpy(), np.array(std, np.float32) * 255


def compare(label, got, ref_and_scale, grey_levels):
    """Largest difference in grey levels (0..255) at most grey_levels. PIL rounds to 8 bits between and
    after its two resampling passes, senet does not: each rounding is off by up to half a level (a quarter
    on average), so resampled pixels may differ by one level, by 0.3 on average."""
    if got[0] is None:
        check(False, f"{label}: {got[1]}")
        return
    ref, scale = ref_and_scale
    x = got[0]
    if x.shape != ref.shape:
        check(False, f"{label}: shape {x.shape}, torchvision {ref.shape}")
        return
    levels = np.abs(x - ref) * scale[:, None, None]
    check(levels.max() <= grey_levels and levels.mean() < 0.35,
          f"{label}: max {levels.max():.3f} / mean {levels.mean():.3f} grey levels from torchvision")


photos = extract()
r = subprocess.run([tool, "checks", tmp + "/folder"], capture_output=True, text=True)
print(r.stdout + r.stderr, end="")
check(r.returncode == 0, "public_api_test checks")

one = f"{tmp}/all/test/cat/0000.jpg"
shapes = [mosaic(photos, 9, 12, 288, 384, "wide"), mosaic(photos, 20, 15, 640, 480, "tall"),
          mosaic(photos, 16, 21, 481, 643, "odd")]
grey = f"{tmp}/grey.png"
Image.open(shapes[0]).convert("L").save(grey)

for path in shapes + [one, grey]:
    name = os.path.basename(path)
    for norm in ("imagenet", "caffe"):
        compare(f"imagenet-eval 224 {norm} {name}", dump("imagenet-eval", 0, norm, 0, path),
                reference(path, 256, 224, norm), 1.001)
    compare(f"se_resnet50 input {name}", dump("arch:se_resnet50", 0, None, 0, path),
            reference(path, 256, 224, "imagenet"), 1.001)
    compare(f"imagenet-eval 160 {name}", dump("imagenet-eval", 160, None, 0, path),
            reference(path, 183, 160, "imagenet"), 1.001)
    if path != one:
        compare(f"se_resnet20 input {name}", dump("arch:se_resnet20", 0, None, 0, path),
                reference(path, 32, 32, "cifar"), 1.001)
# A CIFAR net takes a 32x32 photo pixel for pixel, decoded as PIL decodes it.
compare("se_resnet20 input of a 32x32 JPEG", dump("arch:se_resnet20", 0, None, 0, one),
        reference(one, 0, 0, "cifar"), 1e-4)

# cifar-train: one of the 81 crops of the zero-padded photo, flipped or not; the seed decides.
pixels = np.asarray(Image.open(one).convert("RGB"), np.float32) / 255
padded = np.zeros((40, 40, 3), np.float32)
padded[4:36, 4:36] = pixels
mean, std = (np.array(v, np.float32) for v in CIFAR)
candidates = {}
for y in range(9):
    for x in range(9):
        crop = ((padded[y:y + 32, x:x + 32] - mean) / std).transpose(2, 0, 1)
        candidates[(y, x, 0)] = crop
        candidates[(y, x, 1)] = crop[:, :, ::-1]
seen = []
for seed in range(24):
    got, _ = dump("cifar-train", 0, None, seed, one)
    match = [k for k, c in candidates.items() if got is not None and np.abs(got - c).max() < 1e-5]
    check(len(match) >= 1, f"cifar-train seed {seed}: the output is no crop of the padded photo")
    seen += match[:1]
again, _ = dump("cifar-train", 0, None, 5, one)
first, _ = dump("cifar-train", 0, None, 5, one)
check(again is not None and np.array_equal(again, first), "cifar-train: the same seed gives the same crop")
check(len(set(seen)) >= 12 and {k[2] for k in seen} == {0, 1},
      f"cifar-train: 24 seeds gave {len(set(seen))} different crops, flips {sorted({k[2] for k in seen})}")
got, _ = dump("imagenet-train", 0, None, 3, shapes[1])
check(got is not None and got.shape == (3, 224, 224), "imagenet-train: a 224x224 input")

# The example program, linked against libsenet_data.so, against senet classify.
images = [f"{tmp}/all/test/{c}/0001.jpg" for c in ("cat", "ship", "frog")] + [shapes[0], grey]
r = subprocess.run([example, "se_resnet20", weights] + images, capture_output=True, text=True)
check(r.returncode == 0, f"example_classify: status {r.returncode}: {r.stderr}")
lines = r.stdout.splitlines()
doc = json.loads(subprocess.run([senet, "classify", "--arch", "se_resnet20", "--weights", weights, "--json",
                                 "--top", "5"] + images, capture_output=True, text=True, check=True).stdout)
for i, entry in enumerate(doc["images"]):
    block = lines[i * 6:(i + 1) * 6]
    ok = len(block) == 6 and block[0] == images[i]
    for t, top in enumerate(entry["top"]):
        if ok:
            cls, prob, name = block[1 + t].split()
            ok = int(cls) == top["class"] and abs(float(prob) - top["probability"]) < 1e-5 and name == top["name"]
    check(ok, f"example_classify on {images[i]}: {block} against senet classify {entry['top']}")

# Class names: torchvision's ImageNet list; CIFAR's label orders are alphabetical (the archive's folders).
def names(k):
    r = subprocess.run([tool, "names", str(k)], capture_output=True, text=True)
    return r.stdout.splitlines() if r.returncode == 0 else None
from torchvision.models._meta import _IMAGENET_CATEGORIES
check(names(1000) == list(_IMAGENET_CATEGORIES), "senet_class_names(1000) is not torchvision's ImageNet list")
check(names(10) == sorted(os.listdir(tmp + "/all/test")), f"senet_class_names(10): {names(10)}")
hundred = names(100)
check(hundred and len(hundred) == 100 and hundred == sorted(hundred) and hundred[0] == "apple" and
      hundred[-1] == "worm", f"senet_class_names(100): {hundred and hundred[:3]}")
check(names(7) is None, "senet_class_names(7) is not NULL")

# The training example against senet train.
r = subprocess.run([example_train, tmp + "/small", "2", tmp + "/example.safetensors"], capture_output=True, text=True)
check(r.returncode == 0, f"example_train: status {r.returncode}: {r.stderr}")
cli = subprocess.run([senet, "train", "--arch", "se_resnet20", "--data", tmp + "/small", "--epochs", "2", "--batch", "50",
                      "--lr", "0.05", "--schedule", "cosine", "--momentum", "0.9", "--nesterov", "--weight-decay",
                      "5e-4", "--no-decay-bn-bias", "--seed", "0", "--threads", "1", "--out", tmp + "/cli"],
                     capture_output=True, text=True)
check(cli.returncode == 0, f"senet train: {cli.stderr[-500:]}")
if r.returncode == 0 and cli.returncode == 0:
    mine, theirs = st_numpy.load(tmp + "/example.safetensors"), st_numpy.load(tmp + "/cli/final.safetensors")
    same = set(mine) == set(theirs) and all(np.array_equal(mine[k], theirs[k]) for k in mine)
    check(same and len(mine) > 100, "example_train's weights differ from senet train's")
    logged = [json.loads(l) for l in open(tmp + "/cli/log.jsonl") if '"type": "epoch"' in l]
    printed = [float(l.split("test top-1 ")[1].rstrip("%")) for l in r.stdout.splitlines()]
    check(len(printed) == 2 and all(abs(p - e["test_top1"]) < 0.005 for p, e in zip(printed, logged)),
          f"example_train's test top-1 {printed}, senet train's {[e['test_top1'] for e in logged]}")

shutil.rmtree(tmp)
print(f"{passed} passed, {failed} failed")
sys.exit(1 if failed else 0)
