"""Training steps: `senet step` against torch.optim.SGD.

The reference: model.train(); SGD(lr, momentum, weight_decay, nesterov);
three times zero_grad, loss = cross_entropy(model(x), y, label_smoothing),
backward, step. The tool's output must hold every state_dict entry after the
steps (parameters, BN running statistics, num_batches_tracked) and `loss`,
the three losses before each step. The losses and each tensor must match to a
relative error (max abs difference / max abs reference) of 1e-3, and the change
of the parameters over the steps (what the gradients decide) to 0.1 per module
and 0.02 over all, in the L2 norm (see compare()).

--self-check runs torch in float64 in place of the tool: the distance between
two correct float32/float64 implementations, which the tolerances must clear."""

import common  # noqa: F401  first: it sets OpenMP's wait policy before torch loads
import copy

import numpy as np
import torch
import torch.nn.functional as F

from common import Failure, Runner, models, parse_args, read_output, rel_err, save_model, se_desc, \
    se_flags, st_numpy

TOL = 1e-3            # losses and every tensor after the steps
UPDATE_TOL = 0.1      # the change of each parameter group, L2
GLOBAL_UPDATE_TOL = 0.02  # the change of all parameters together, L2
STEPS = 3

# (arch, n, h, w, num_classes, optimiser options, SE options). The learning rates are
# small enough that three steps do not amplify float32 rounding into a different
# trajectory (BN in train mode makes the convolutions scale-invariant, so with
# Kaiming-initialised weights and a batch of two even lr 1e-4 moves se_resnet50's
# stem by percents a step); the losses still fall. One case has a large weight decay
# and one a large label smoothing so that each term is plainly visible in the updates.
# Max squeeze with the tanh gate is left out: in torch float32 against float64 it lands
# percents apart within three steps, however small the learning rate.
CASES = [
    ("se_resnet50", 2, 64, 64, 10, dict(lr=2e-5, momentum=0.9, weight_decay=1e-4), {}),
    ("se_resnet20", 8, 32, 32, 10, dict(lr=0.02, momentum=0.9, weight_decay=1e-4), {}),
    ("se_resnet20", 8, 32, 32, 10,
     dict(lr=0.02, momentum=0.9, weight_decay=5e-4, nesterov=True, label_smoothing=0.1), {}),
    ("resnet20", 8, 32, 32, 10, dict(lr=0.02, momentum=0.0, weight_decay=0.05), {}),
    # weight decay only on the >1-d tensors: torch parameter groups
    ("resnet20", 8, 32, 32, 10, dict(lr=0.02, momentum=0.9, weight_decay=0.05, no_decay_bn_bias=True), {}),
    ("se_resnet164", 8, 32, 32, 10, dict(lr=2e-3, momentum=0.9, weight_decay=1e-4), {}),
    ("se_resnext50_32x4d", 2, 64, 64, 10, dict(lr=5e-6, momentum=0.9, weight_decay=1e-4, nesterov=True), {}),
    ("se_resnet20", 8, 32, 32, 10, dict(lr=0.01, momentum=0.9, weight_decay=1e-4),
     dict(mode="pre", squeeze="max", reduction=4)),
    ("se_resnet20", 8, 32, 32, 10, dict(lr=0.01, momentum=0.9, weight_decay=1e-4),
     dict(gate="tanh", reduction=4)),
    ("se_resnet20", 8, 32, 32, 10, dict(lr=0.02, momentum=0.9, weight_decay=1e-4, label_smoothing=0.3),
     dict(mode="identity", gate="relu", bias=False)),
    ("se_resnet20", 8, 32, 32, 10, dict(lr=0.02, momentum=0.5, weight_decay=1e-4),
     dict(mode="post", reduction=8, stages="2,3")),
    # fine-tuning: frozen leading stages (BN in eval mode there), the classifier at 10x the lr
    ("se_resnet20", 8, 32, 32, 4, dict(lr=0.02, momentum=0.9, weight_decay=5e-4, no_decay_bn_bias=True,
                                       freeze=["stem", "layer1"], head_lr_mult=10.0), {}),
    ("se_resnet20", 8, 32, 32, 10, dict(lr=0.02, momentum=0.9, weight_decay=1e-4,
                                        freeze=["stem", "layer1", "layer2", "layer3"]), {}),
    ("se_resnet50", 2, 64, 64, 10, dict(lr=2e-5, momentum=0.9, weight_decay=1e-4, freeze=["stem"],
                                        head_lr_mult=100.0), {}),
]


def torch_steps(model, x, y, opt, steps=STEPS):
    """Runs the reference steps in place; returns the losses before each step.

    Fine-tuning as PyTorch users write it: the frozen stages' parameters get
    requires_grad_(False) and the modules eval() (their BN keeps its running
    statistics), and the classifier is a parameter group with its own lr."""
    model.train()
    for name in opt.get("freeze", []):
        module = getattr(model, "layer0" if name == "stem" else name)
        module.requires_grad_(False)
        module.eval()
    wd = opt.get("weight_decay", 0.0)
    head_lr = opt["lr"] * opt.get("head_lr_mult", 1.0)
    groups = {}
    for name, p in model.named_parameters():
        if not p.requires_grad:
            continue
        key = (name.startswith("last_linear."), bool(opt.get("no_decay_bn_bias")) and p.dim() <= 1)
        groups.setdefault(key, []).append(p)
    params = [{"params": ps, "lr": head_lr if head else opt["lr"], "weight_decay": 0.0 if no_decay else wd}
              for (head, no_decay), ps in groups.items()]
    sgd = torch.optim.SGD(params, lr=opt["lr"], momentum=opt.get("momentum", 0.0),
                          weight_decay=wd, nesterov=opt.get("nesterov", False))
    losses = []
    for _ in range(steps):
        sgd.zero_grad()
        loss = F.cross_entropy(model(x), y, label_smoothing=opt.get("label_smoothing", 0.0))
        losses.append(loss.item())
        loss.backward()
        sgd.step()
    return np.array(losses, dtype=np.float32)


def setup(arch, n, h, w, k, se, seed):
    """The model and the batch of a case.

    BN affine parameters start near gamma = 1, beta = +0.5 (random per channel)
    rather than at 1 and 0. With beta = 0 half of every pre-ReLU tensor sits
    around zero, and in a network as deep as se_resnet50 some values fall
    within float32 rounding of it: two correct float32 implementations then
    disagree on a ReLU (or which max wins), and a batch of two turns that one
    flip into a gradient that differs by percents (torch float32 against
    torch float64 shows it; see --self-check). The shift makes such values rare
    without changing what is computed. BN running statistics keep their
    defaults; SE biases are non-zero so that their gradients matter at once."""
    torch.manual_seed(seed)
    gen = torch.Generator().manual_seed(seed + 1)
    model = models.build(arch, k, **se)
    with torch.no_grad():
        for m in model.modules():
            if isinstance(m, torch.nn.BatchNorm2d):
                m.weight.copy_(torch.empty(m.num_features).uniform_(0.8, 1.2, generator=gen))
                m.bias.copy_(torch.empty(m.num_features).uniform_(0.3, 0.7, generator=gen))
        for name, p in model.named_parameters():
            if ".se_module." in name and name.endswith(".bias"):
                p.copy_(0.1 * torch.randn(p.shape, generator=gen))
    x = torch.randn(n, 3, h, w, generator=gen)
    y = torch.randint(0, k, (n,), generator=gen)
    return model, x, y


def group_of(name):
    """Parameters are judged in groups: one module's weight and bias together, and a
    whole SE module (fc1 and fc2) as one, so that a group is never a handful of numbers."""
    if ".se_module." in name:
        return name.split(".se_module.")[0] + ".se_module"
    return name.rsplit(".", 1)[0]


def compare(got, got_losses, ref, ref_losses, before, params):
    """Returns (problems, detail).

    The losses and every tensor after the steps must match to TOL, relative to the
    tensor's largest value. The change of the parameters over the steps, which the
    gradients and the optimiser decide, must match in the L2 norm, group by group to
    UPDATE_TOL and all together to GLOBAL_UPDATE_TOL. Not element by element: a ReLU
    input or a max within float32 rounding of its tie goes either way in two correct
    implementations, and such a flip moves a few gradient elements by their whole
    size; torch float32 against torch float64 shows it (--self-check)."""
    problems = []
    e = rel_err(got_losses, ref_losses)
    if not e <= TOL:
        problems.append("loss %s, torch %s (err %.2e)" % (np.array2string(got_losses, precision=6),
                                                           np.array2string(ref_losses, precision=6), e))
    worst = ("", 0.0)
    groups = {}
    for name, rv in ref.items():
        gv = got[name]
        if name.endswith("num_batches_tracked"):
            if gv.shape != () or int(gv) != int(rv):
                problems.append("%s = %s, torch %d" % (name, gv, int(rv)))
            continue
        e = rel_err(gv, rv, floor=1e-6)
        if e > worst[1]:
            worst = (name, e)
        if not e <= TOL:
            problems.append("%s err %.2e" % (name, e))
        if name in params:
            g = groups.setdefault(group_of(name), [0.0, 0.0, 0.0])
            dg = (gv - before[name]).astype(np.float64)
            dr = (rv - before[name]).astype(np.float64)
            g[0] += float(np.sum((dg - dr) ** 2))
            g[1] += float(np.sum(dr ** 2))
            g[2] += float(np.sum(rv.astype(np.float64) ** 2))
    worst_update = ("", 0.0)
    for gname, (diff2, ref2, size2) in groups.items():
        # A group that hardly moves is measured against 1e-4 of its size (~10 float32 ulps).
        e = float(np.sqrt(diff2) / max(np.sqrt(ref2), 1e-4 * np.sqrt(size2), 1e-30))
        if e > worst_update[1]:
            worst_update = (gname, e)
        if not e <= UPDATE_TOL:
            problems.append("%s update err %.2e" % (gname, e))
    diff2 = sum(g[0] for g in groups.values())
    ref2 = sum(g[1] for g in groups.values())
    e_all = float(np.sqrt(diff2 / max(ref2, 1e-60)))
    if not e_all <= GLOBAL_UPDATE_TOL:
        problems.append("all parameters together: update err %.2e" % e_all)
    detail = "loss %s; worst tensor %s %.1e; worst update %s %.1e; all %.1e" % (
        np.array2string(ref_losses, precision=4), worst[0], worst[1], worst_update[0], worst_update[1], e_all)
    return problems, detail


def step_case(r, arch, n, h, w, k, opt, se, seed=0, self_check=False):
    model, x, y = setup(arch, n, h, w, k, se, seed)
    before = {kk: v.detach().clone().numpy() for kk, v in model.state_dict().items()}
    params = {kk for kk, _ in model.named_parameters()}
    if self_check:
        # The same steps in float64 stand in for the tool: how far apart two correct
        # implementations land, to judge the tolerances by.
        m64 = copy.deepcopy(model).double()
        got_losses = torch_steps(m64, x.double(), y, opt)
        got = {kk: v.detach().numpy() for kk, v in m64.state_dict().items()}
    else:
        wpath, ipath, opath = r.path("w.safetensors"), r.path("in.safetensors"), r.path("out.safetensors")
        save_model(model, wpath)
        st_numpy.save(ipath, {"input": x.numpy(), "labels": y.numpy().astype(np.int64)})
        argv = ["step", "--arch", arch, "--weights", wpath, "--input", ipath, "--output", opath,
                "--steps", STEPS, "--lr", repr(opt["lr"]), "--momentum", repr(opt.get("momentum", 0.0)),
                "--weight-decay", repr(opt.get("weight_decay", 0.0))]
        if opt.get("nesterov"):
            argv.append("--nesterov")
        if opt.get("no_decay_bn_bias"):
            argv.append("--no-decay-bn-bias")
        if opt.get("label_smoothing"):
            argv += ["--label-smoothing", repr(opt["label_smoothing"])]
        if opt.get("freeze"):
            argv += ["--freeze", ",".join(opt["freeze"])]
        if opt.get("head_lr_mult"):
            argv += ["--head-lr-mult", repr(opt["head_lr_mult"])]
        if k != models.default_num_classes(arch):
            argv += ["--num-classes", k]
        r.run(argv + se_flags(se))
        got = read_output(opath, ["loss"] + sorted(before))
        extra = sorted(set(got) - set(before) - {"loss"})
        if extra:
            raise Failure("output has tensors torch does not: %s" % ", ".join(extra[:5]))
        got_losses = got["loss"]
        if got_losses.shape != (STEPS,):
            raise Failure("loss has shape %s, expected (%d,)" % (got_losses.shape, STEPS))

    ref_losses = torch_steps(model, x, y, opt)
    ref = {kk: v.detach().numpy() for kk, v in model.state_dict().items()}
    problems, detail = compare(got, got_losses, ref, ref_losses, before, params)
    if problems:
        raise Failure("%d mismatches: %s" % (len(problems), "; ".join(problems[:8])))
    return detail


def desc(opt):
    return " ".join("%s=%s" % (kk, opt[kk]) for kk in sorted(opt))


def main():
    args = parse_args(__doc__, [(("--self-check",), dict(
        action="store_true", help="compare torch float64 with torch float32 instead of running the tool")),
        (("--seed-offset",), dict(type=int, default=0, help="shift every case's seed (to probe the tolerances)"))])
    r = Runner(args, need_binary=not args.self_check)
    for i, (arch, n, h, w, k, opt, se) in enumerate(CASES):
        r.case("step %s %dx%dx%d K=%d %s se: %s" % (arch, n, h, w, k, desc(opt), se_desc(se)),
               step_case, r, arch, n, h, w, k, opt, se, seed=10 + i + args.seed_offset, self_check=args.self_check)
    r.finish()


if __name__ == "__main__":
    main()
