"""senet excite and --se-off against PyTorch forward hooks (TPAMI section 7).

The gates of every SE block are read in PyTorch by a forward hook on each
SEModule's fc2 (the gate applied to its output), on the same weights and the
same images as senet, and reduced to the statistics excite.h defines: per
class and over all images, the mean and population standard deviation of
each channel, class-specificity and saturation. Cases:
  - the committed CIFAR-10 SE-ResNet-20 on the first 15 of 20 JPEG test images
    of each class (all blocks; and two classes named with --classes);
  - se_resnet50 with random eval-mode weights on 64x64 PNG images (the default
    block choice must be the paper's SE_2_3, SE_3_4, SE_4_6, SE_5_1..3);
  - --se-off: senet forward and senet eval with the SE modules of some stages
    replaced by identity in PyTorch;
  - the JSON's structure, the figures (the SVG parses, with one series per
    class and block; the PNG decodes) and bad arguments;
  - senet eval --predictions (each image's file, label, prediction and top-5)
    against PyTorch's softmax on the same images.

Usage: test_excite.py --senet build/senet --archive cifar10-jpeg.tar.gz
"""

import json
import os
import shutil
import tarfile
import tempfile
import xml.etree.ElementTree as ET

import common  # noqa: F401  first: it sets OpenMP's wait policy before torch loads
import numpy as np
import torch
import torch.nn as nn
import torchvision.transforms as T
from PIL import Image

from common import REPO, Failure, Runner, load_into, models, parse_args, randomize_for_eval, rel_err, save_model
import st_numpy

CIFAR_NORM = ((0.4914, 0.4822, 0.4465), (0.2470, 0.2435, 0.2616))
IMAGENET_NORM = ((0.485, 0.456, 0.406), (0.229, 0.224, 0.225))
DEFAULT_WEIGHTS = os.path.join(REPO, "models", "se_resnet20_cifar10.safetensors")
PER_CLASS, STORED = 15, 20  # images analysed per class, of those in the folder


def gates_by_hook(model, x):
    """{state-dict prefix of each SE module: gates (N, C)} from hooks on fc2, and the logits."""
    found, hooks = {}, []
    for name, m in model.named_modules():
        if isinstance(m, models.SEModule):
            def hook(fc2, inputs, out, name=name, gate=m.gate):
                s = out.flatten(1)
                s = torch.sigmoid(s) if gate == "sigmoid" else torch.tanh(s) if gate == "tanh" else s.relu()
                found.setdefault(name, []).append(s.double())
            hooks.append(m.fc2.register_forward_hook(hook))
    with torch.no_grad():
        logits = torch.cat([model(x[i:i + 100]) for i in range(0, len(x), 100)])
    for h in hooks:
        h.remove()
    return {k: torch.cat(v).numpy() for k, v in found.items()}, logits


def statistics(g, labels, chosen):
    """The statistics of excite.h for one block's gates g (N, C)."""
    per = {k: (g[labels == k].mean(0), g[labels == k].std(0)) for k in chosen}  # numpy std: ddof 0
    means = np.stack([per[k][0] for k in chosen])
    stds = np.stack([per[k][1] for k in chosen])
    between, within = means.var(0).mean(), (stds ** 2).mean(0).mean()
    # a block whose gates are the same for every image has no class-specificity (excite.h)
    spec = float(np.sqrt(between / within)) if within > 1e-12 else float("inf") if between > 1e-12 else 0.0
    agree = np.mean([np.corrcoef(per[k][0], g.mean(0))[0, 1] for k in chosen]) if g.std(0).max() > 0 else None
    return {"per": per, "all": (g.mean(0), g.std(0)), "spec": spec, "agree": agree,
            "high": float((g > 0.99).mean()), "low": float((g < 0.01).mean()), "mean": float(g.mean())}


def compare_block(got, want, n_values, what):
    """Raises Failure when a block of the JSON differs from the reference statistics."""
    worst = 0.0
    for k, (mean, std) in want["per"].items():
        entry = got["per_class"][k]
        worst = max(worst, np.abs(np.array(entry["mean"]) - mean).max(), np.abs(np.array(entry["std"]) - std).max())
    worst = max(worst, np.abs(np.array(got["all"]["mean"]) - want["all"][0]).max(),
                np.abs(np.array(got["all"]["std"]) - want["all"][1]).max())
    if not worst <= 2e-5:
        raise Failure("%s: gate statistics differ from PyTorch's by %.3g" % (what, worst))
    if got["class_specificity"] is None or not abs(got["class_specificity"] - want["spec"]) <= 1e-4 * max(1.0, want["spec"]):
        raise Failure("%s: class-specificity %.6g, PyTorch %.6g" % (what, got["class_specificity"], want["spec"]))
    if want["agree"] is not None and (got["class_agreement"] is None or
                                      not abs(got["class_agreement"] - want["agree"]) <= 1e-4):
        raise Failure("%s: class agreement %s, PyTorch %.6g" % (what, got["class_agreement"], want["agree"]))
    # a gate within rounding of a threshold may fall either side: one value's worth of slack
    for key, ref in (("above_0.99", want["high"]), ("below_0.01", want["low"])):
        if not abs(got["saturation"][key] - ref) <= 1.5 / n_values:
            raise Failure("%s: saturation %s %.6g, PyTorch %.6g" % (what, key, got["saturation"][key], ref))
    return worst


class Fixtures:
    """A CIFAR-10 folder with the first STORED test JPEGs of each class, and its tensors."""

    def __init__(self, archive):
        self.root = tempfile.mkdtemp(prefix="senet_excite_")
        self.cifar = os.path.join(self.root, "cifar")
        with tarfile.open(archive) as t:
            members = sorted((m for m in t.getmembers() if m.isfile() and m.name.startswith("test/")),
                             key=lambda m: m.name)
            taken = {}
            for m in members:
                cls = m.name.split("/")[1]
                if taken.get(cls, 0) < STORED:
                    taken[cls] = taken.get(cls, 0) + 1
                    dst = os.path.join(self.cifar, "test", cls, os.path.basename(m.name))
                    os.makedirs(os.path.dirname(dst), exist_ok=True)
                    with t.extractfile(m) as src, open(dst, "wb") as out:
                        out.write(src.read())
        self.classes = sorted(os.listdir(os.path.join(self.cifar, "test")))
        to_input = T.Compose([T.ToTensor(), T.Normalize(*CIFAR_NORM)])
        xs, labels = [], []
        for k, cls in enumerate(self.classes):
            for f in sorted(os.listdir(os.path.join(self.cifar, "test", cls)))[:PER_CLASS]:
                xs.append(to_input(Image.open(os.path.join(self.cifar, "test", cls, f)).convert("RGB")))
                labels.append(k)
        self.x, self.labels = torch.stack(xs), np.array(labels)
        self.model = models.build("se_resnet20", 10)
        load_into(self.model, st_numpy.load(DEFAULT_WEIGHTS))
        self.model.eval()
        self.gates, self.logits = gates_by_hook(self.model, self.x)

    def close(self):
        shutil.rmtree(self.root, ignore_errors=True)


def run_json(r, argv):
    return json.loads(r.run(["excite"] + argv + ["--json"]).stdout)


def cifar_all_blocks(r, fx):
    svg = r.path("fig.svg")
    got = run_json(r, ["--arch", "se_resnet20", "--weights", DEFAULT_WEIGHTS, "--data", fx.cifar, "--images-per-class", PER_CLASS,
                       "--blocks", "all", "-o", svg])
    names = [b["name"] for b in got["blocks"]]
    if names != list(fx.gates):
        raise Failure("blocks %s, PyTorch's SE modules %s" % (names, list(fx.gates)))
    if got["images"] != PER_CLASS * 10 or got["classes"] != fx.classes:
        raise Failure("images %s, classes %s" % (got["images"], got["classes"]))
    worst = 0.0
    for b in got["blocks"]:
        stage, block = int(b["name"][5]), int(b["name"].split(".")[1])
        if (b["stage"], b["block"], b["paper_name"]) != (stage, block, "SE_%d_%d" % (stage + 1, block + 1)):
            raise Failure("block %s: stage %s block %s paper name %s" % (b["name"], b["stage"], b["block"],
                                                                        b["paper_name"]))
        g = fx.gates[b["name"]]
        if b["channels"] != g.shape[1] or len(b["all"]["mean"]) != g.shape[1]:
            raise Failure("block %s has %s channels, PyTorch %d" % (b["name"], b["channels"], g.shape[1]))
        want = statistics(g, fx.labels, range(10))
        want["per"] = {fx.classes[k]: v for k, v in want["per"].items()}
        worst = max(worst, compare_block(b, want, g.size, b["name"]))
    summary = got["summary"]
    if summary["blocks"] != [b["paper_name"] for b in got["blocks"]] or \
            summary["class_specificity"] != [b["class_specificity"] for b in got["blocks"]]:
        raise Failure("the summary does not list the blocks' figures")
    check_figures(svg, got, 10)
    return "%d blocks, max |stat - torch| %.2e" % (len(names), worst)


def check_figures(svg, got, classes):
    """The three SVGs parse and hold one series per class (and "all") per block."""
    ns = "{http://www.w3.org/2000/svg}"
    within, depth = svg.replace(".svg", ".within.svg"), svg.replace(".svg", ".depth.svg")
    for path in (svg, within, depth):
        if not os.path.isfile(path):
            raise Failure("no figure %s" % os.path.basename(path))
    ids = {e.get("id") for e in ET.parse(svg).iter(ns + "polyline")}
    for i in range(len(got["blocks"])):
        want = {"between-%d-class-%d" % (i, k) for k in range(classes)} | {"between-%d-all" % i}
        if not want <= ids:
            raise Failure("between-classes figure lacks series %s" % sorted(want - ids)[:3])
    if len([e for e in ids if e and e.startswith("between-")]) != len(got["blocks"]) * (classes + 1):
        raise Failure("between-classes figure has %d series, expected %d" % (len(ids), len(got["blocks"]) * (classes + 1)))
    tree = ET.parse(within)
    bands = [e.get("id") for e in tree.iter(ns + "polygon") if (e.get("id") or "").endswith("-band")]
    if len(bands) != len(got["blocks"]) * classes:
        raise Failure("within-class figure has %d bands, expected %d" % (len(bands), len(got["blocks"]) * classes))
    ids = {e.get("id") for e in ET.parse(depth).iter(ns + "polyline")}
    if not {"specificity-series", "agreement-series", "saturation-high", "saturation-low"} <= ids:
        raise Failure("depth figure lacks its series: %s" % sorted(ids))
    # the mean line of block 0, class 0 passes through the sampled channels' means
    points = next(e for e in tree.iter(ns + "polyline") if e.get("id") == "within-0-class-0-mean").get("points")
    if len(points.split()) != len(got["blocks"][0]["sampled_channels"]):
        raise Failure("the within-class line has %d points for %d sampled channels" % (
            len(points.split()), len(got["blocks"][0]["sampled_channels"])))


def cifar_two_classes_png(r, fx):
    png = r.path("fig.png")
    got = run_json(r, ["--arch", "se_resnet20", "--weights", DEFAULT_WEIGHTS, "--data", fx.cifar, "--images-per-class", PER_CLASS,
                       "--classes", "dog,cat", "--channels", "7", "--seed", "3", "-o", png])
    if got["classes"] != ["dog", "cat"]:
        raise Failure("classes %s" % got["classes"])
    default_blocks = ["layer1.2.se_module", "layer2.2.se_module", "layer3.0.se_module", "layer3.1.se_module",
                      "layer3.2.se_module"]
    if [b["name"] for b in got["blocks"]] != default_blocks:
        raise Failure("default blocks %s, expected %s" % ([b["name"] for b in got["blocks"]], default_blocks))
    chosen = [fx.classes.index("dog"), fx.classes.index("cat")]
    for b in got["blocks"]:
        g = fx.gates[b["name"]]
        want = statistics(g, fx.labels, chosen)
        want["per"] = {fx.classes[k]: v for k, v in want["per"].items()}
        compare_block(b, want, g.size, b["name"])  # "all" stays every class's images
        sampled = b["sampled_channels"]
        if len(sampled) != 7 or sorted(set(sampled)) != sampled or not all(0 <= c < b["channels"] for c in sampled):
            raise Failure("sampled channels %s" % sampled)
    again = run_json(r, ["--arch", "se_resnet20", "--weights", DEFAULT_WEIGHTS, "--data", fx.cifar, "--images-per-class", "3",
                         "--classes", "dog,cat", "--channels", "7", "--seed", "3"])
    if [b["sampled_channels"] for b in again["blocks"]] != [b["sampled_channels"] for b in got["blocks"]]:
        raise Failure("the channel sample depends on more than --seed")
    for suffix in ("", ".within", ".depth"):
        path = png.replace(".png", suffix + ".png")
        with Image.open(path) as im:
            im.load()
            if im.size[0] < 500 or im.size[1] < 300:
                raise Failure("%s is %dx%d" % (os.path.basename(path), *im.size))
    return "two classes, figures as PNG"


def imagenet_arch(r, fx):
    """se_resnet50, random eval-mode weights, 64x64 PNGs of 2 classes; the default blocks."""
    gen = torch.Generator().manual_seed(7)
    torch.manual_seed(7)
    model = models.build("se_resnet50", 2)
    data = os.path.join(fx.root, "png")
    xs, labels = [], []
    to_input = T.Compose([T.ToTensor(), T.Normalize(*IMAGENET_NORM)])
    for k, cls in enumerate(("alpha", "beta")):
        os.makedirs(os.path.join(data, "test", cls), exist_ok=True)
        for i in range(4):
            pixels = torch.randint(0, 256, (64, 64, 3), generator=gen, dtype=torch.uint8).numpy()
            if k:  # the second class brighter, so the classes differ
                pixels = (pixels // 2 + 128).astype(np.uint8)
            path = os.path.join(data, "test", cls, "%02d.png" % i)
            Image.fromarray(pixels).save(path)
            xs.append(to_input(Image.open(path).convert("RGB")))
            labels.append(k)
    x = torch.stack(xs)
    randomize_for_eval(model, gen, x)
    weights = r.path("w.safetensors")
    save_model(model, weights)
    gates, _ = gates_by_hook(model, x)
    got = run_json(r, ["--arch", "se_resnet50", "--num-classes", 2, "--weights", weights, "--data", data,
                       "--normalize", "imagenet", "--images-per-class", "all"])
    paper = [b["paper_name"] for b in got["blocks"]]
    if paper != ["SE_2_3", "SE_3_4", "SE_4_6", "SE_5_1", "SE_5_2", "SE_5_3"]:
        raise Failure("default blocks %s, the paper's are SE_2_3, SE_3_4, SE_4_6, SE_5_1..3" % paper)
    worst = 0.0
    for b in got["blocks"]:
        want = statistics(gates[b["name"]], np.array(labels), (0, 1))
        want["per"] = {("alpha", "beta")[k]: v for k, v in want["per"].items()}
        worst = max(worst, compare_block(b, want, gates[b["name"]].size, b["name"]))
    return "6 blocks at 64x64, max |stat - torch| %.2e" % worst


def without_se(model, stages):
    """The model with the SE modules of these stages replaced by identity."""
    for name, m in list(model.named_modules()):
        if hasattr(m, "se_module") and int(name[5]) in stages:
            m.se_module = nn.Identity()
    return model


def se_off_forward(r, fx):
    gen = torch.Generator().manual_seed(11)
    torch.manual_seed(11)
    model = models.build("se_resnet50", 10)
    x = torch.randn(2, 3, 64, 64, generator=gen)
    randomize_for_eval(model, gen, x)
    weights, inp, out = r.path("w.safetensors"), r.path("in.safetensors"), r.path("out.safetensors")
    save_model(model, weights)
    st_numpy.save(inp, {"input": x.numpy()})
    details = []
    for stages in ((3,), (2, 4), (1, 2, 3, 4)):
        flag = "all" if len(stages) == 4 else ",".join(map(str, stages))
        r.run(["forward", "--arch", "se_resnet50", "--num-classes", 10, "--weights", weights, "--input", inp,
               "--output", out, "--se-off", flag])
        with torch.no_grad():
            ref = without_se(models.build("se_resnet50", 10), stages)
            ref.load_state_dict(model.state_dict(), strict=False)
            ref.eval()
            want = ref(x).numpy()
            full = model(x).numpy()
        err = rel_err(st_numpy.load(out)["logits"], want)
        if err > 1e-4:
            raise Failure("--se-off %s: logits differ from PyTorch without those SE modules by %.3g" % (flag, err))
        if rel_err(full, want) < 1e-3:
            raise Failure("--se-off %s changes the logits too little to tell" % flag)
        details.append("%s %.1e" % (flag, err))
    return "rel err " + ", ".join(details)


def se_off_eval(r, fx):
    details = []
    for stages, flag in (((3,), "3"), ((1, 2, 3), "all")):
        got = json.loads(r.run(["eval", "--arch", "se_resnet20", "--weights", DEFAULT_WEIGHTS, "--data", fx.cifar, "--se-off", flag,
                                "--json"]).stdout)
        model = without_se(models.build("se_resnet20", 10), stages)
        load_into_loose(model, st_numpy.load(DEFAULT_WEIGHTS))
        model.eval()
        x, labels = stored_images(fx)
        with torch.no_grad():
            logits = model(x)
        loss = float(nn.functional.cross_entropy(logits.double(), torch.from_numpy(labels)))
        top1 = 100.0 * float((logits.argmax(1).numpy() == labels).mean())
        if abs(got["loss"] - loss) > 1e-4 * max(1.0, loss) or abs(got["top1"] - top1) > 100.0 / len(labels) + 1e-9:
            raise Failure("--se-off %s: loss %.6f top-1 %.2f, PyTorch %.6f %.2f" % (flag, got["loss"], got["top1"],
                                                                                  loss, top1))
        details.append("off %s: top-1 %.2f" % (flag, top1))
    return ", ".join(details)


def eval_predictions(r, fx):
    """senet eval --predictions: every image's file, label, prediction and top-5 against PyTorch's softmax."""
    jsonl, csv_path = r.path("pred.jsonl"), r.path("pred.csv")
    base = ["eval", "--arch", "se_resnet20", "--weights", DEFAULT_WEIGHTS, "--data", fx.cifar]
    r.run(base + ["--predictions", jsonl])
    r.run(base + ["--predictions", csv_path])
    records = [json.loads(line) for line in open(jsonl)]
    x, labels = stored_images(fx)
    with torch.no_grad():
        probs = torch.softmax(fx.model(x).double(), 1).numpy()
    files = [os.path.join(fx.cifar, "test", cls, f) for cls in fx.classes
             for f in sorted(os.listdir(os.path.join(fx.cifar, "test", cls)))]
    if len(records) != len(files):
        raise Failure("%d records for %d images" % (len(records), len(files)))
    worst = 0.0
    for i, rec in enumerate(records):
        if rec["index"] != i or rec["path"] != files[i] or rec["label"] != labels[i] or \
                rec["label_name"] != fx.classes[labels[i]]:
            raise Failure("record %d: %s" % (i, rec))
        order = np.argsort(-probs[i], kind="stable")[:5]
        got = [t["index"] for t in rec["top"]]
        ours = np.array([t["probability"] for t in rec["top"]])
        worst = max(worst, np.abs(ours - probs[i][got]).max())
        if got[0] != order[0] and abs(probs[i][got[0]] - probs[i][order[0]]) > 1e-5:
            raise Failure("image %d: prediction %d, PyTorch %d" % (i, got[0], order[0]))
        if rec["prediction"] != got[0] or rec["top"][0]["class"] != rec["prediction_name"]:
            raise Failure("record %d: prediction fields disagree: %s" % (i, rec))
    if worst > 1e-4:
        raise Failure("top-5 probabilities differ from PyTorch's by %.3g" % worst)
    rows = open(csv_path).read().splitlines()
    if len(rows) != len(records) + 1 or not rows[0].startswith("index,path,label,prediction,top1,p1"):
        raise Failure("CSV: %d rows, header %r" % (len(rows), rows[0]))
    first = rows[1].split(",")
    if first[1] != files[0] or first[2] != records[0]["label_name"] or first[4] != records[0]["top"][0]["class"]:
        raise Failure("CSV row %r and JSON record %s differ" % (rows[1], records[0]))
    proc = r.run(base + ["--predictions", r.path("pred.txt")], expect_ok=False)
    if proc.returncode != 2 or ".jsonl or .csv" not in proc.stderr:
        raise Failure("a --predictions FILE.txt: status %d, %r" % (proc.returncode, proc.stderr))
    return "%d images, max |p - torch| %.2e" % (len(records), worst)


def load_into_loose(model, tensors):
    """The weights without the SE modules that were replaced."""
    own = model.state_dict()
    model.load_state_dict({k: torch.from_numpy(np.ascontiguousarray(v)) for k, v in tensors.items() if k in own},
                          strict=True)


def stored_images(fx):
    """Every image of the CIFAR folder (STORED a class) and its labels, in senet eval's order."""
    to_input = T.Compose([T.ToTensor(), T.Normalize(*CIFAR_NORM)])
    xs, labels = [], []
    for k, cls in enumerate(fx.classes):
        for f in sorted(os.listdir(os.path.join(fx.cifar, "test", cls))):
            xs.append(to_input(Image.open(os.path.join(fx.cifar, "test", cls, f)).convert("RGB")))
            labels.append(k)
    return torch.stack(xs), np.array(labels)


def bad_arguments(r, fx):
    base = ["excite", "--arch", "se_resnet20", "--weights", DEFAULT_WEIGHTS, "--data", fx.cifar]
    cases = [
        (base + ["--classes", "cat,unicorn"], "no class 'unicorn'"),
        (base + ["--classes", "cat,cat"], "twice"),
        (base + ["--blocks", "layer9.0.se_module"], "no SE block 'layer9.0.se_module'"),
        (base + ["--images-per-class", "0"], "--images-per-class"),
        (base + ["--images-per-class", "ten"], "--images-per-class"),
        (base + ["--channels", "0"], "--channels"),
        (base + ["-o", r.path("fig.txt")], ".svg or .png"),
        (["excite", "--arch", "resnet20", "--weights", os.path.join(REPO, "models", "resnet20_cifar10.safetensors"),
          "--data", fx.cifar], "no SE blocks"),
        (["eval", "--arch", "se_resnet20", "--weights", DEFAULT_WEIGHTS, "--data", fx.cifar, "--se-off", "4"], "stage 4"),
        (["eval", "--arch", "se_resnet20", "--weights", DEFAULT_WEIGHTS, "--data", fx.cifar, "--se-off", "x"], "--se-off"),
        (["eval", "--arch", "resnet20", "--weights", os.path.join(REPO, "models", "resnet20_cifar10.safetensors"),
          "--data", fx.cifar, "--se-off", "1"], "no SE blocks"),
    ]
    for argv, message in cases:
        proc = r.run(argv, expect_ok=False)
        if message not in proc.stderr:
            raise Failure("%s: expected a message with %r, got %r" % (" ".join(map(str, argv[3:])), message,
                                                                   proc.stderr.strip()))
    if os.path.exists(r.path("fig.txt")):
        raise Failure("a refused output was written")
    return "%d refused with their messages" % len(cases)


def main():
    args = parse_args(__doc__, [(("--archive",), dict(required=True, help="the CIFAR-10 JPEG archive"))])
    r = Runner(args)
    fx = Fixtures(args.archive)
    try:
        r.case("CIFAR-10 se_resnet20: every block against PyTorch hooks, figures", cifar_all_blocks, r, fx)
        r.case("CIFAR-10 se_resnet20: --classes dog,cat, default blocks, seeded channels, PNG", cifar_two_classes_png,
               r, fx)
        r.case("se_resnet50 64x64 random weights: the paper's blocks against PyTorch hooks", imagenet_arch, r, fx)
        r.case("senet forward --se-off against PyTorch with identity SE modules", se_off_forward, r, fx)
        r.case("senet eval --se-off against PyTorch with identity SE modules", se_off_eval, r, fx)
        r.case("senet eval --predictions against PyTorch's softmax, JSON lines and CSV", eval_predictions, r, fx)
        r.case("bad arguments", bad_arguments, r, fx)
    finally:
        fx.close()
    r.finish()


if __name__ == "__main__":
    main()
