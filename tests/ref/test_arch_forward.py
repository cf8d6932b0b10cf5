"""Eval-mode forward of every architecture: `senet forward` against PyTorch.

For each case the PyTorch model is built from a seed, its BN statistics and
affine parameters are given non-trivial values, and its state dict and a
random input go to safetensors files; the logits of `senet forward` must
match PyTorch's to 1e-4 of the largest logit. Then malformed weight files
(a missing, an extra, a misshapen tensor, ...) must make the tool fail with a
message that names the tensor."""

import common  # noqa: F401  first: it sets OpenMP's wait policy before torch loads
import copy

import numpy as np
import torch

from common import Failure, Runner, models, parse_args, randomize_for_eval, rel_err, read_output, \
    save_model, se_flags, st_numpy, state_dict_numpy

TOL = 1e-4
N = 2

# (arch, height, width, num_classes)
CASES = [
    ("se_resnet50", 96, 80, 1000),
    ("se_resnet50", 75, 67, 10),          # odd sizes: the ceil-mode max pool keeps a partial window
    ("se_resnext50_32x4d", 80, 96, 16),
    ("resnet50", 96, 80, 16),
    ("resnext50_32x4d", 72, 64, 16),
    ("se_resnet101", 64, 64, 10),
    ("se_resnet152", 64, 64, 10),
    ("se_resnext101_32x4d", 64, 64, 10),
    ("senet154", 64, 64, 10),
    ("resnet101", 64, 64, 10),
    ("resnet152", 64, 64, 10),
    ("resnext101_32x4d", 64, 64, 10),
] + [(a, 32, 32, 10) for a in models.CIFAR_ARCHS + models.PREACT_ARCHS] + [
    ("se_resnet20", 40, 36, 100),        # not 32x32: the pooling is global
    ("se_resnet164", 40, 32, 10),
]

# Batches whose activations pass the 64 MB that senet runs in one pass: it
# splits them into passes (two, the last one image shorter), which must not
# change the logits. (arch, height, width, num_classes, batch)
BATCH_CASES = [
    ("se_resnet20", 32, 32, 10, 401),
    ("se_resnet50", 64, 64, 10, 101),
]


def forward_case(r, arch, h, w, k, se=None, seed=0, tol=TOL, n=N):
    """Builds arch (with SE options se), runs both sides on n images, compares logits. Returns a detail string."""
    se = se or {}
    torch.manual_seed(seed)
    gen = torch.Generator().manual_seed(seed + 1)
    model = models.build(arch, k, **se)
    x = torch.randn(n, 3, h, w, generator=gen)
    randomize_for_eval(model, gen, x)
    with torch.no_grad():
        ref = model(x).numpy()
        # The exact answer, to referee the cases where float32 itself is ill-conditioned
        # (tanh/relu gates and SE on the residual stream can amplify rounding).
        ref64 = copy.deepcopy(model).double()(x.double()).numpy()
    wpath, ipath, opath = r.path("w.safetensors"), r.path("in.safetensors"), r.path("out.safetensors")
    save_model(model, wpath)
    del model
    st_numpy.save(ipath, {"input": x.numpy()})
    argv = ["forward", "--arch", arch, "--weights", wpath, "--input", ipath, "--output", opath]
    if k != models.default_num_classes(arch):
        argv += ["--num-classes", k]
    r.run(argv + se_flags(se))
    got = read_output(opath, ["logits"])["logits"]
    if got.dtype != np.float32:
        raise Failure("logits are %s, expected float32" % got.dtype)
    if got.shape != ref.shape:
        raise Failure("logits shape %s, expected %s" % (got.shape, ref.shape))
    err = rel_err(got, ref)
    ours64, torch64 = rel_err(got, ref64), rel_err(ref, ref64)
    if err <= tol:
        return "err %.2e (max |logit| %.3g)" % (err, np.abs(ref).max())
    # Beyond the tolerance against torch's float32 logits we still pass when we are as close
    # to the float64 answer as torch's float32 is (within 2x): the difference is then rounding
    # amplified by the net, not a semantic error (a semantic error is off by far more).
    # Where torch's own float32 logits are off the float64 answer by more than 0.1%, the case
    # is ill-conditioned (max squeeze near ties, tanh gates): allow 5x torch's own error.
    if ours64 <= 2 * torch64 or (torch64 > 1e-3 and ours64 <= 5 * torch64):
        return "err %.2e vs torch f32, but %.2e vs f64 where torch f32 is %.2e (ill-conditioned case)" % (
            err, ours64, torch64)
    i = np.unravel_index(np.argmax(np.abs(got - ref)), ref.shape)
    raise Failure("logits differ: max err %.3g of max |logit| %.3g (tolerance %.0e; vs float64: ours %.3g, torch "
                  "f32 %.3g); at %s got %.6g, torch %.6g"
                  % (err, np.abs(ref).max(), tol, ours64, torch64, i, got[i], ref[i]))


# ---- malformed weight files ----
def bad_weights_case(r, edit, expect, arch="se_resnet20", cli_arch=None, cli_extra=(), build_se=None):
    """Writes weights of arch changed by edit(tensors); expects `senet forward --arch cli_arch`
    to fail with a message naming `expect`."""
    torch.manual_seed(0)
    model = models.build(arch, None, **(build_se or {}))
    tensors = state_dict_numpy(model)
    edit(tensors)
    wpath, ipath, opath = r.path("w.safetensors"), r.path("in.safetensors"), r.path("out.safetensors")
    st_numpy.save(wpath, tensors)
    st_numpy.save(ipath, {"input": np.random.RandomState(0).randn(N, 3, 32, 32).astype(np.float32)})
    proc = r.run(["forward", "--arch", cli_arch or arch, "--weights", wpath, "--input", ipath, "--output", opath]
                 + list(cli_extra), expect_ok=False)
    err = proc.stderr.strip()
    if not err:
        raise Failure("non-zero exit but nothing on stderr")
    if expect and expect not in err:
        raise Failure("stderr does not name %s:\n%s" % (expect, err))
    return err.splitlines()[-1][:110]


def truncated_case(r):
    torch.manual_seed(0)
    model = models.build("se_resnet20")
    wpath, ipath, opath = r.path("w.safetensors"), r.path("in.safetensors"), r.path("out.safetensors")
    save_model(model, wpath)
    with open(wpath, "rb") as f:
        data = f.read()
    with open(wpath, "wb") as f:
        f.write(data[:len(data) - 1000])
    st_numpy.save(ipath, {"input": np.zeros((N, 3, 32, 32), np.float32)})
    proc = r.run(["forward", "--arch", "se_resnet20", "--weights", wpath, "--input", ipath,
                  "--output", opath], expect_ok=False)
    if not proc.stderr.strip():
        raise Failure("non-zero exit but nothing on stderr")
    return proc.stderr.strip().splitlines()[-1][:110]


def main():
    args = parse_args(__doc__)
    r = Runner(args)
    for arch, h, w, k in CASES:
        r.case("forward %s %dx%d K=%d" % (arch, h, w, k), forward_case, r, arch, h, w, k)
    for arch, h, w, k, n in BATCH_CASES:
        r.case("forward %s %dx%d K=%d, batch %d in passes" % (arch, h, w, k, n), forward_case, r, arch, h, w, k,
               n=n)

    def drop(name):
        return lambda t: t.pop(name)

    def add(name, shape):
        return lambda t: t.__setitem__(name, np.zeros(shape, np.float32))

    def reshape(name, shape):
        return lambda t: t.__setitem__(name, np.zeros(shape, np.float32))

    r.case("rejects missing layer2.1.se_module.fc1.weight", bad_weights_case, r,
           drop("layer2.1.se_module.fc1.weight"), "layer2.1.se_module.fc1.weight")
    r.case("rejects missing layer3.0.downsample.1.running_var", bad_weights_case, r,
           drop("layer3.0.downsample.1.running_var"), "layer3.0.downsample.1.running_var")
    r.case("rejects extra layer4.0.conv1.weight", bad_weights_case, r,
           add("layer4.0.conv1.weight", (64, 64, 3, 3)), "layer4.0.conv1.weight")
    r.case("rejects extra layer1.0.downsample.0.weight", bad_weights_case, r,
           add("layer1.0.downsample.0.weight", (16, 16, 1, 1)), "layer1.0.downsample.0.weight")
    r.case("rejects misshapen layer1.2.conv2.weight", bad_weights_case, r,
           reshape("layer1.2.conv2.weight", (16, 16, 3, 1)), "layer1.2.conv2.weight")
    r.case("rejects misshapen layer2.0.bn1.weight", bad_weights_case, r,
           reshape("layer2.0.bn1.weight", (31,)), "layer2.0.bn1.weight")
    r.case("rejects last_linear for K=10 run with K=100", bad_weights_case, r,
           lambda t: None, "last_linear", cli_extra=["--num-classes", "100"])
    r.case("rejects se_resnet20 weights as resnet20", bad_weights_case, r,
           lambda t: None, "se_module", cli_arch="resnet20")
    r.case("rejects bias-free SE weights without --se-bias 0", bad_weights_case, r,
           lambda t: None, "se_module.fc1.bias", build_se=dict(bias=False))
    r.case("rejects a truncated weight file", truncated_case, r)
    r.finish()


if __name__ == "__main__":
    main()
