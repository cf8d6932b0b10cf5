"""Weight files through the tool and back into PyTorch.

convert: a torch state dict (F32, F16 or BF16 floats) -> `senet convert` ->
F32 file -> torch load_state_dict(strict=True); the tensors must equal the
originals (rounded to the input's precision) bit for bit.
init: `senet init --seed S` -> torch load_state_dict(strict=True); convolution
weights must look like Kaiming normal (fan_out), BN weight 1 bias 0, running
statistics 0 and 1, the classifier uniform within 1/sqrt(fan_in); the same
seed must give the same file and another seed another."""

import common  # noqa: F401  first: it sets OpenMP's wait policy before torch loads
import numpy as np
import torch

from common import Failure, Runner, load_into, models, parse_args, randomize_for_eval, \
    se_desc, se_flags, st_numpy, state_dict_numpy


def check_names_and_dtypes(path, ref_names):
    tensors, dtypes = st_numpy.load(path, with_dtypes=True)
    missing = sorted(set(ref_names) - set(tensors))
    extra = sorted(set(tensors) - set(ref_names))
    if missing or extra:
        raise Failure("output names differ from the state dict: missing %s, extra %s" % (missing[:4], extra[:4]))
    for name, dt in dtypes.items():
        want = ("I64",) if name.endswith("num_batches_tracked") else ("F32",)
        if dt not in want:
            raise Failure("%s is %s in the output, expected %s" % (name, dt, want[0]))
    return tensors


def convert_case(r, arch, dtype, se=None, k=None):
    se = se or {}
    torch.manual_seed(3)
    gen = torch.Generator().manual_seed(4)
    model = models.build(arch, k, **se)
    size = 64 if models.family(arch) == "imagenet" else 32
    randomize_for_eval(model, gen, torch.randn(2, 3, size, size, generator=gen))
    with torch.no_grad():
        model.layer1[0].bn1.num_batches_tracked.fill_(12345)  # an I64 that is not 0 or 1
    src = state_dict_numpy(model)
    dtypes = {n: dtype for n, v in src.items() if v.dtype == np.float32} if dtype != "F32" else None
    inp, out = r.path("in.safetensors"), r.path("out.safetensors")
    st_numpy.save(inp, src, dtypes=dtypes)
    argv = ["convert", "--arch", arch, "--weights", inp, "--output", out] + se_flags(se)
    if k is not None:
        argv += ["--num-classes", k]
    r.run(argv)
    tensors = check_names_and_dtypes(out, src)

    fresh = models.build(arch, k, **se)
    load_into(fresh, tensors)
    for name, v in fresh.state_dict().items():
        want = src[name] if v.dtype == torch.int64 else st_numpy.round_to(src[name], dtype)
        got = v.numpy()
        if got.shape != want.shape:
            raise Failure("%s has shape %s, expected %s" % (name, got.shape, want.shape))
        if v.dtype == torch.int64:
            if not np.array_equal(got, want):
                raise Failure("%s = %s, expected %s" % (name, got, want))
        elif not np.array_equal(got.view(np.uint32), want.astype(np.float32).view(np.uint32)):
            i = np.flatnonzero(got.ravel().view(np.uint32) != want.astype(np.float32).ravel().view(np.uint32))[0]
            raise Failure("%s differs at flat index %d: %r, expected %r" % (name, i, got.ravel()[i], want.ravel()[i]))
    return "%d tensors bit-exact" % len(src)


def bf16_rounding_case():
    """st_numpy's float32 -> bfloat16 rounding agrees with torch's (round to nearest even)."""
    rs = np.random.RandomState(0)
    x = np.concatenate([rs.randn(100000).astype(np.float32) * 10.0 ** rs.uniform(-30, 30, 100000),
                        np.array([0.0, -0.0, 1.0, 1.00390625, 1.01171875, 65504.0, 3.4e38, -3.4e38, 1e-40],
                                 np.float32)]).astype(np.float32)
    ours = st_numpy.f32_to_bf16_bits(x)
    theirs = torch.from_numpy(x).to(torch.bfloat16).view(torch.int16).numpy().view(np.uint16)
    if not np.array_equal(ours, theirs):
        i = np.flatnonzero(ours != theirs)[0]
        raise Failure("x=%r: ours %#06x, torch %#06x" % (x[i], ours[i], theirs[i]))
    return "%d values" % x.size


def kaiming_stats(tensors, model):
    """Checks an initialised state dict; returns a detail string."""
    moments = np.zeros(3)  # count, sum z^2, sum z^4 of the standardised conv weights
    conv_names = []
    for name, mod in model.named_modules():
        if isinstance(mod, torch.nn.Conv2d):
            conv_names.append(name)
            w = tensors[name + ".weight"].astype(np.float64)
            fan_out = w.shape[0] * w.shape[2] * w.shape[3]
            std = np.sqrt(2.0 / fan_out)
            if ".se_module." in name + ".":
                # The excitation layers are 1x1 convs; accept any sane scale for them.
                if not (np.all(np.isfinite(w)) and w.std() > 0 and w.std() < 10 * np.sqrt(2.0 / w.shape[1])):
                    raise Failure("%s: implausible init, std %.3g" % (name, w.std()))
                continue
            n = w.size
            tol = max(0.03, 6.0 / np.sqrt(2.0 * n))  # 6 standard errors of a sample std
            if abs(w.std() / std - 1.0) > tol:
                raise Failure("%s.weight std %.4g, Kaiming fan_out %.4g (fan_out %d)" % (name, w.std(), std, fan_out))
            if abs(w.mean()) > 6.0 * std / np.sqrt(n):
                raise Failure("%s.weight mean %.3g, expected about 0" % (name, w.mean()))
            z = w / std
            moments += (z.size, np.sum(z ** 2), np.sum(z ** 4))
            if mod.bias is not None and np.any(tensors[name + ".bias"] != 0) and ".se_module." not in name:
                raise Failure("%s.bias is not 0" % name)
        elif isinstance(mod, torch.nn.BatchNorm2d):
            for field, value in (("weight", 1.0), ("bias", 0.0), ("running_mean", 0.0), ("running_var", 1.0)):
                t = tensors["%s.%s" % (name, field)]
                if not np.all(t == value):
                    raise Failure("%s.%s is not all %g" % (name, field, value))
            if int(tensors[name + ".num_batches_tracked"]) != 0:
                raise Failure("%s.num_batches_tracked is not 0" % name)
        elif isinstance(mod, torch.nn.Linear):
            bound = 1.0 / np.sqrt(mod.in_features)
            for field in ("weight", "bias"):
                t = tensors["%s.%s" % (name, field)]
                if np.abs(t).max() > bound * (1 + 1e-6):
                    raise Failure("%s.%s exceeds 1/sqrt(fan_in) = %.4g: %.4g" % (name, field, bound, np.abs(t).max()))
            t = tensors[name + ".weight"]
            if np.abs(t).max() < 0.9 * bound or abs(t.std() / (bound / np.sqrt(3)) - 1) > 0.05:
                raise Failure("%s.weight does not look uniform in +-%.4g (max %.4g, std %.4g)" % (
                    name, bound, np.abs(t).max(), t.std()))
    # Normal, not uniform or truncated: the pooled standardised weights have
    # second moment 1 and kurtosis 3.
    m2, m4 = moments[1] / moments[0], moments[2] / moments[0]
    kurt = float(m4 / m2 ** 2)
    if abs(np.sqrt(m2) - 1) > 0.01 or abs(kurt - 3) > 0.1:
        raise Failure("pooled conv weights / Kaiming std: rms %.4f, kurtosis %.3f (normal: 1, 3)" % (np.sqrt(m2), kurt))
    return "%d convs; pooled rms %.4f, kurtosis %.3f" % (len(conv_names), np.sqrt(m2), kurt)


def init_case(r, arch, se=None, k=None):
    se = se or {}
    out = r.path("init.safetensors")
    argv = ["init", "--arch", arch, "--seed", "1", "--output", out] + se_flags(se)
    if k is not None:
        argv += ["--num-classes", k]
    r.run(argv)
    model = models.build(arch, k, **se)
    tensors = check_names_and_dtypes(out, model.state_dict())
    load_into(model, tensors)
    return kaiming_stats(tensors, model)


def seed_case(r, arch):
    a, b, c = r.path("a.safetensors"), r.path("b.safetensors"), r.path("c.safetensors")
    r.run(["init", "--arch", arch, "--seed", "7", "--output", a])
    r.run(["init", "--arch", arch, "--seed", "7", "--output", b])
    r.run(["init", "--arch", arch, "--seed", "8", "--output", c])
    ta, tb, tc = st_numpy.load(a), st_numpy.load(b), st_numpy.load(c)
    for name in ta:
        if not np.array_equal(ta[name], tb[name]):
            raise Failure("seed 7 twice gives different %s" % name)
    name = "layer1.0.conv2.weight"
    if np.array_equal(ta[name], tc[name]):
        raise Failure("seeds 7 and 8 give the same %s" % name)
    return "deterministic"


def main():
    args = parse_args(__doc__)
    r = Runner(args)
    r.case("st_numpy bf16 rounding matches torch", bf16_rounding_case)
    for arch, dtype, se, k in [
        ("se_resnet20", "F32", None, None),
        ("se_resnet20", "F16", None, None),
        ("se_resnet20", "BF16", None, None),
        ("se_resnet164", "F32", None, None),
        ("resnet164", "BF16", dict(stages="2", mode="identity"), None),
        ("se_resnet50", "F32", None, None),
        ("se_resnet50", "F16", None, 10),
        ("se_resnet50", "BF16", dict(bias=False, reduction=8), None),
        ("se_resnext50_32x4d", "F32", dict(mode="pre"), 10),
        ("resnet50", "F16", None, None),
    ]:
        r.case("convert %s %s %s%s" % (arch, dtype, se_desc(se), "" if k is None else " K=%d" % k),
               convert_case, r, arch, dtype, se, k)
    for arch, se, k in [
        ("se_resnet20", None, None),
        ("se_resnet50", None, None),
        ("senet154", None, None),
        ("se_resnet164", dict(bias=False), None),
        ("resnext50_32x4d", None, 100),
    ]:
        r.case("init %s %s%s" % (arch, se_desc(se), "" if k is None else " K=%d" % k), init_case, r, arch, se, k)
    r.case("init seeds se_resnet20", seed_case, r, "se_resnet20")
    r.finish()


if __name__ == "__main__":
    main()
