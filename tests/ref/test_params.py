"""Parameter counts and multiply-adds: the PyTorch reference models against the
published numbers (which validates their layout), and `senet info --json`
against the PyTorch models for every architecture and several SE options."""

import common  # noqa: F401  first: it sets OpenMP's wait policy before torch loads
import json

import torch

from common import Failure, Runner, models, parse_args, se_desc, se_flags

# Trainable parameters of the released / torchvision models (REFERENCE.md).
PUBLISHED_PARAMS = {
    "se_resnet50": 28088024,
    "se_resnext50_32x4d": 27559896,
    "senet154": 115088984,
    "se_resnet101": 49326872,
    "se_resnet152": 66821848,
    "se_resnext101_32x4d": 48955416,
    "resnet50": 25557032,
    "resnext50_32x4d": 25028904,
}
# Multiply-adds of one 224 x 224 image (REFERENCE.md), checked to 1%.
PUBLISHED_MACS = {
    "se_resnet50": 3.86e9,
    "se_resnext50_32x4d": 4.23e9,
    "senet154": 20.69e9,
    "se_resnet101": 7.57e9,
    "se_resnet152": 11.29e9,
}

# (arch, num_classes or None, SE options): variants beyond the defaults.
VARIANTS = [
    ("se_resnet50", None, dict(bias=False)),
    ("se_resnet50", None, dict(reduction=8)),
    ("se_resnet50", None, dict(reduction=2, bias=False)),
    ("se_resnet50", None, dict(stages="2,3")),
    ("se_resnet50", None, dict(stages="none")),
    ("se_resnet50", None, dict(mode="pre")),
    ("se_resnet50", None, dict(mode="identity", reduction=32)),
    ("se_resnet50", 10, dict()),
    ("resnet50", None, dict(stages="1,2,3,4")),
    ("resnext50_32x4d", None, dict(stages="4", reduction=8)),
    ("senet154", 10, dict(mode="pre")),
    ("se_resnext101_32x4d", None, dict(bias=False, stages="3")),
    ("se_resnet20", None, dict(reduction=4)),
    ("se_resnet20", 100, dict(mode="pre", bias=False)),
    ("resnet56", None, dict(stages="1,3", reduction=8)),
    ("se_resnet164", None, dict(mode="pre")),
    ("se_resnet164", None, dict(reduction=8, bias=False)),
    ("resnet164", 100, dict(stages="2", mode="identity")),
]


def torch_params(arch, k=None, se=None):
    return models.num_params(models.build(arch, k, init=False, **(se or {})))


def info(r, arch, k=None, se=None, size=None):
    argv = ["info", "--arch", arch, "--json"] + se_flags(se or {})
    if size is not None:
        argv += ["--input-size", "%dx%d" % size]
    if k is not None:
        argv += ["--num-classes", k]
    out = r.run(argv).stdout
    try:
        obj = json.loads(out)
    except ValueError:
        raise Failure("`senet %s` did not print one JSON object:\n%s" % (" ".join(map(str, argv)), out[:500]))
    for key in ("params", "macs"):
        if not isinstance(obj.get(key), int):
            raise Failure("JSON lacks an integer %r: %s" % (key, out[:500]))
    return obj


def check_published(arch):
    got = torch_params(arch)
    if got != PUBLISHED_PARAMS[arch]:
        raise Failure("torch model has %d params, published %d" % (got, PUBLISHED_PARAMS[arch]))
    return "%d" % got


def check_info(r, arch, k=None, se=None):
    ref = torch_params(arch, k, se)
    got = info(r, arch, k, se)["params"]
    if got != ref:
        raise Failure("senet info says %d params, torch %d (difference %+d)" % (got, ref, got - ref))
    return "%d" % got


def check_macs(r, arch, size=None, se=None):
    """senet info's parameters (exactly) and multiply-adds against the torch model's: a
    count over its convolutions and classifier (to 1%: the tool may count the SE scale or
    pooling, torch's count does not); at 224x224 also against the published numbers."""
    obj = info(r, arch, se=se, size=size)
    default = (224, 224) if models.family(arch) == "imagenet" else (32, 32)
    h, w = size or default
    if size is None and list(obj.get("input_size", default)) != list(default):
        raise Failure("JSON input_size %s, expected %s" % (obj.get("input_size"), list(default)))
    model = models.build(arch, init=False, **(se or {}))
    with torch.no_grad():
        for p in model.parameters():
            p.zero_()
    if obj["params"] != models.num_params(model):
        raise Failure("senet info says %d params, torch %d" % (obj["params"], models.num_params(model)))
    ref = models.count_macs(model, h, w)
    got = obj["macs"]
    if abs(got - ref) > 0.01 * ref:
        raise Failure("senet info says %d macs, torch count at %dx%d %d" % (got, h, w, ref))
    if size is None and arch in PUBLISHED_MACS and abs(got - PUBLISHED_MACS[arch]) > 0.01 * PUBLISHED_MACS[arch]:
        raise Failure("senet info says %.4g macs, published %.4g" % (got, PUBLISHED_MACS[arch]))
    return "%d params, %.4g macs (torch %.4g)" % (obj["params"], got, ref)


def check_rejects(r, arch, se):
    proc = r.run(["info", "--arch", arch, "--json"] + se_flags(se), expect_ok=False)
    if not proc.stderr.strip():
        raise Failure("non-zero exit but nothing on stderr")
    return proc.stderr.strip().splitlines()[-1][:100]


def main():
    args = parse_args(__doc__)
    r = Runner(args)
    for arch in PUBLISHED_PARAMS:
        r.case("published params %s" % arch, check_published, arch)
    for arch in models.ARCHS:
        r.case("info %s" % arch, check_macs, r, arch)
    for arch, k, se in VARIANTS:
        r.case("info params %s K=%s %s" % (arch, k or "default", se_desc(se)), check_info, r, arch, k, se)
    r.case("info macs se_resnet50 96x80", check_macs, r, "se_resnet50", (96, 80))
    r.case("info macs senet154 75x67", check_macs, r, "senet154", (75, 67))
    r.case("info macs se_resnet20 40x36", check_macs, r, "se_resnet20", (40, 36))
    r.case("info macs se_resnet50 224x224 mode=pre reduction=4", check_macs, r, "se_resnet50", None,
           dict(mode="pre", reduction=4))
    # An SE reduction must divide the channels it sees.
    r.case("info rejects se_resnet50 reduction 3", check_rejects, r, "se_resnet50", dict(reduction=3))
    r.case("info rejects se_resnet20 reduction 32", check_rejects, r, "se_resnet20", dict(reduction=32))
    r.case("info rejects se_resnet20 stage 4", check_rejects, r, "se_resnet20", dict(stages="4"))
    r.case("info rejects gate foo", check_rejects, r, "se_resnet50", dict(gate="foo"))
    r.finish()


if __name__ == "__main__":
    main()
