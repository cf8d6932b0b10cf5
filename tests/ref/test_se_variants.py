"""The SE ablation options (TPAMI Tables 10-16) against PyTorch, eval-mode forward:
reduction, squeeze, gate, integration mode, stages and biases, each given to
`senet forward` as --se-* flags, on se_resnet50 (64x64), se_resnet20 and
se_resnet164 (32x32), plus options that must be refused."""

import common  # noqa: F401  first: it sets OpenMP's wait policy before torch loads
import numpy as np
import torch

from common import Failure, Runner, models, parse_args, save_model, se_desc, se_flags, st_numpy
from test_arch_forward import forward_case

# (arch, height, width, num_classes, SE options)
CASES = []
for _r in (2, 4, 8, 16, 32):
    CASES.append(("se_resnet50", 64, 64, 10, dict(reduction=_r)))
CASES += [("se_resnet50", 64, 64, 10, se) for se in (
    dict(squeeze="max"),
    dict(squeeze="avg"),
    dict(gate="tanh"),
    dict(gate="relu"),
    dict(gate="sigmoid"),
    dict(mode="standard"),
    dict(mode="pre"),
    dict(mode="post"),
    dict(mode="identity"),
    dict(stages="2"),
    dict(stages="3"),
    dict(stages="4"),
    dict(stages="2,3"),
    dict(stages="1,2,3,4"),
    dict(stages="none"),
    dict(bias=False),
    dict(bias=True),
    dict(mode="pre", squeeze="max", gate="tanh", reduction=8, bias=False),
    dict(mode="identity", gate="relu", stages="3,4", reduction=32),
    dict(mode="post", squeeze="max", stages="1,4", reduction=4),
)]
CASES += [
    ("resnet50", 64, 64, 10, dict(stages="1,2,3,4")),           # a plain twin given SE
    ("resnet50", 64, 64, 10, dict(stages="2", mode="pre", reduction=8)),
    ("se_resnext50_32x4d", 64, 64, 10, dict(mode="pre", gate="tanh")),
    ("se_resnext50_32x4d", 64, 64, 10, dict(mode="identity", squeeze="max", bias=False)),
]
CASES += [("se_resnet20", 32, 32, 10, se) for se in (
    dict(reduction=4),
    dict(reduction=8, squeeze="max"),
    dict(gate="relu", bias=False),
    dict(mode="pre"),
    dict(mode="post", gate="tanh"),
    dict(mode="identity", reduction=2),
    dict(stages="2,3", reduction=4),
    dict(stages="none"),
)]
CASES += [("resnet20", 32, 32, 10, dict(stages="1,2,3", reduction=4, mode="pre"))]
CASES += [("se_resnet164", 32, 32, 10, se) for se in (
    dict(reduction=8),
    dict(mode="pre"),
    # post and identity put the SE on the un-normalised stream: over all 54 blocks float32
    # rounding grows to 1e-1 of the logits (torch float32 against float64), so one stage.
    dict(mode="post", stages="3"),
    dict(mode="identity", squeeze="max", stages="3"),
    dict(gate="relu", reduction=4),
    dict(gate="tanh", bias=False, stages="1,3"),
)]
CASES += [("resnet164", 32, 32, 10, dict(stages="2", mode="identity"))]

# Options that must make `senet forward` fail (reduction not dividing the channels, bad names).
REJECT = [
    ("se_resnet50", dict(reduction=3)),
    ("se_resnet50", dict(reduction=0)),
    ("se_resnet20", dict(reduction=32)),
    ("se_resnet20", dict(mode="pre", reduction=32)),
    ("se_resnet50", dict(squeeze="median")),
    ("se_resnet50", dict(gate="softmax")),
    ("se_resnet50", dict(mode="after")),
    ("se_resnet50", dict(stages="5")),
    ("se_resnet20", dict(stages="4")),
]


def reject_case(r, arch, se):
    # The torch side refuses these too; keep the tables in step.
    try:
        models.build(arch, **se)
    except (ValueError, TypeError):
        pass
    else:
        raise Failure("the torch reference accepts these options; the case is wrong")
    torch.manual_seed(0)
    h = w = 64 if models.family(arch) == "imagenet" else 32
    ipath, opath = r.path("in.safetensors"), r.path("out.safetensors")
    st_numpy.save(ipath, {"input": np.zeros((2, 3, h, w), np.float32)})
    wpath = r.path("w.safetensors")
    # Valid default weights: the options alone must be refused, whatever the file holds.
    save_model(models.build(arch), wpath)
    proc = r.run(["forward", "--arch", arch, "--weights", wpath, "--input", ipath, "--output", opath]
                 + se_flags(se), expect_ok=False)
    if not proc.stderr.strip():
        raise Failure("non-zero exit but nothing on stderr")
    return proc.stderr.strip().splitlines()[-1][:110]


def main():
    args = parse_args(__doc__)
    r = Runner(args)
    for i, (arch, h, w, k, se) in enumerate(CASES):
        r.case("se %s %s" % (arch, se_desc(se)), forward_case, r, arch, h, w, k, se, seed=100 + i)
    for arch, se in REJECT:
        r.case("rejects %s %s" % (arch, se_desc(se)), reject_case, r, arch, se)
    r.finish()


if __name__ == "__main__":
    main()
