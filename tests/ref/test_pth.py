"""Published weights: scripts/pth_to_safetensors.py from the reference models' .pth files.

Each reference model (tests/ref/models.py, BN statistics made non-trivial)
is saved with torch.save in the ways published weights come: a plain state
dict; an old-style one without num_batches_tracked (PyTorch before 0.4.1),
wrapped as a training checkpoint {'state_dict': {'module.' + name: ...}};
and a whole pickled module. Each is converted by the script, then:
- `senet forward` with no --arch (the metadata says it) gives PyTorch's
  logits to 1e-4 of the largest;
- the metadata says the architecture, classes, input size and normalisation
  of the source;
- torch itself loads the old-style state dict strictly (the reference for
  "counter 0"), and senet's re-save of it (`senet convert`) holds
  num_batches_tracked = 0 and loads in torch with strict=True.
"""

import common  # noqa: F401  first: it sets OpenMP's wait policy before torch loads
import os
import subprocess
import sys

import numpy as np
import torch

from common import REPO, Failure, Runner, models, parse_args, randomize_for_eval, read_output, rel_err, st_numpy

SCRIPT = os.path.join(REPO, "scripts", "pth_to_safetensors.py")

# (arch, source, h, w, classes)
CASES = [
    ("se_resnet20", "cifar", 32, 32, 10),
    ("se_resnet50", "cadene", 64, 64, 1000),
]


def build(arch, k, h, w, seed=0):
    torch.manual_seed(seed)
    gen = torch.Generator().manual_seed(seed + 1)
    model = models.build(arch, k)
    x = torch.randn(2, 3, h, w, generator=gen)
    randomize_for_eval(model, gen, x)
    model.eval()
    with torch.no_grad():
        ref = model(x).numpy()
    return model, x, ref


def convert(r, pth, out, arch, source):
    # a pickled module needs its class: the reference models' folder on the path
    env = dict(os.environ, PYTHONPATH=os.path.dirname(os.path.abspath(models.__file__)))
    proc = subprocess.run([sys.executable, SCRIPT, pth, out, "--arch", arch, "--source", source], env=env,
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE, universal_newlines=True)
    if proc.returncode != 0:
        raise Failure("pth_to_safetensors.py failed: %s" % proc.stderr.strip())
    return proc.stdout


def check_forward(r, weights, x, ref):
    ipath, opath = r.path("in.safetensors"), r.path("out.safetensors")
    st_numpy.save(ipath, {"input": x.numpy()})
    r.run(["forward", "--weights", weights, "--input", ipath, "--output", opath])
    err = rel_err(read_output(opath, ["logits"])["logits"], ref)
    if err > 1e-4:
        raise Failure("logits differ from PyTorch's: %.3g of the largest" % err)
    return err


def case(r, arch, source, h, w, k, way):
    model, x, ref = build(arch, k, h, w)
    sd = model.state_dict()
    pth, out = r.path("w.pth"), r.path("w.safetensors")
    if way == "state_dict":
        torch.save(sd, pth)
    elif way == "old":
        old = {"module." + n: t for n, t in sd.items() if not n.endswith("num_batches_tracked")}
        # torch's own strict load accepts the missing counters (the reference for what senet does)
        fresh = models.build(arch, k)
        fresh.load_state_dict({n[len("module."):]: t for n, t in old.items()}, strict=True)
        if any(int(m.num_batches_tracked) != 0 for m in fresh.modules() if isinstance(m, torch.nn.BatchNorm2d)):
            raise Failure("torch did not leave the missing counters at 0")
        torch.save({"epoch": 90, "state_dict": old}, pth)
    else:
        torch.save(model, pth)
    said = convert(r, pth, out, arch, source)
    _, meta = st_numpy.load_with_metadata(out)
    want = {"arch": arch, "num_classes": str(k), "input_size": "32" if source == "cifar" else "224",
            "normalize": "cifar" if source == "cifar" else "imagenet"}
    for key, value in want.items():
        if meta.get(key) != value:
            raise Failure("metadata %s is %r, expected %r" % (key, meta.get(key), value))
    err = check_forward(r, out, x, ref)
    detail = "logits err %.2e" % err
    if way == "old":
        if "no num_batches_tracked" not in said:
            raise Failure("the script did not say the counters are missing: %r" % said)
        again = r.path("again.safetensors")
        r.run(["convert", "--weights", out, "--output", again])
        tensors, meta2 = st_numpy.load_with_metadata(again)
        counters = [n for n in tensors if n.endswith("num_batches_tracked")]
        if not counters or any(int(tensors[n]) != 0 for n in counters):
            raise Failure("senet's re-save does not hold num_batches_tracked = 0")
        fresh = models.build(arch, k)
        fresh.load_state_dict({n: torch.from_numpy(np.array(t)) for n, t in tensors.items()}, strict=True)
        if meta2.get("normalize") != want["normalize"]:
            raise Failure("senet convert dropped the metadata")
        detail += ", %d counters written as 0, torch loads the re-save strictly" % len(counters)
    return detail


def main():
    args = parse_args(__doc__)
    r = Runner(args)
    for arch, source, h, w, k in CASES:
        for way in ("state_dict", "old", "module"):
            if arch != "se_resnet20" and way == "module":
                continue  # one pickled module is enough (and the big one is slow to pickle)
            r.case("%s %s (%s)" % (arch, way, source), case, r, arch, source, h, w, k, way)
    r.finish()


if __name__ == "__main__":
    main()
