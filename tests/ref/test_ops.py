"""Every op of libsenet against PyTorch autograd, in float32.

    python3 test_ops.py --runner build/tests/op_runner [--only TEXT]

Each case builds its tensors with torch in PyTorch's layout (NCHW), runs the
op forward and backward with a random upstream gradient, and hands the same
tensors to op_runner through a safetensors file. op_runner speaks the ops'
own layout, so activations are transposed to channels-last (N, H, W, C) on
the way in and compared in that layout on the way out; weights keep
PyTorch's layout. Every output and gradient must satisfy

    max |ours - torch| / max |torch|  <=  TOLERANCE   (per tensor)

Prints one line per case, then "N passed, M failed"; exits 1 on any failure
(or if nothing ran). Nothing is skipped.
"""
import argparse
import os
import subprocess
import sys
import tempfile
import time

import numpy as np
import torch
import torch.nn.functional as F

HERE = os.path.dirname(os.path.abspath(__file__))
if HERE not in sys.path:
    sys.path.insert(0, HERE)

import st_numpy  # noqa: E402

TOLERANCE = 1e-5


class Failure(Exception):
    pass


def nhwc(t):
    """(N, C, H, W) torch tensor -> (N, H, W, C) float32 numpy array."""
    return t.detach().permute(0, 2, 3, 1).contiguous().numpy().astype(np.float32)


def npy(t):
    return t.detach().contiguous().numpy().astype(np.float32)


def flat(t):
    """A tensor as the flat channels-last vector the element-wise ops take."""
    return nhwc(t).reshape(-1) if t.dim() == 4 else npy(t).reshape(-1)


def leaf(*shape, scale=1.0):
    return (torch.randn(*shape) * scale).requires_grad_(True)


class Runner:
    def __init__(self, path, workdir):
        self.path, self.workdir = path, workdir

    def __call__(self, op, inputs, **options):
        ipath = os.path.join(self.workdir, "in.safetensors")
        opath = os.path.join(self.workdir, "out.safetensors")
        if os.path.exists(opath):
            os.remove(opath)
        st_numpy.save(ipath, inputs)
        cmd = [self.path, op, ipath, opath] + ["%s=%s" % kv for kv in options.items()]
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=300)
        if proc.returncode != 0:
            raise Failure("op_runner exited %d: %s" % (proc.returncode, proc.stderr.strip()[-2000:]))
        return st_numpy.load(opath)


def compare(got, want):
    """Worst relative error over the tensors of want; raises Failure past TOLERANCE."""
    worst, worst_name = 0.0, ""
    for name, ref in want.items():
        if name not in got:
            raise Failure("op_runner wrote no %s (has %s)" % (name, ", ".join(sorted(got))))
        ours = np.asarray(got[name], dtype=np.float64)
        ref = np.asarray(ref, dtype=np.float64)
        if ours.shape != ref.shape:
            raise Failure("%s has shape %s, torch %s" % (name, ours.shape, ref.shape))
        if not np.all(np.isfinite(ours)):
            raise Failure("%s has non-finite values" % name)
        scale = np.max(np.abs(ref)) if ref.size else 0.0
        err = np.max(np.abs(ours - ref)) / (scale if scale > 0 else 1.0) if ref.size else 0.0
        if err > TOLERANCE:
            idx = np.unravel_index(np.argmax(np.abs(ours - ref)), ref.shape)
            raise Failure("%s: rel err %.2e > %.0e (at %s: ours %.6g, torch %.6g)" % (
                name, err, TOLERANCE, idx, ours[idx], ref[idx]))
        if err >= worst:
            worst, worst_name = err, name
    return worst, worst_name


# ---- the cases: each returns (op, inputs, options, expected) ----

def case_conv2d(n, c_in, h, w, c_out, k, stride, pad, groups, bias):
    kh, kw = (k, k) if isinstance(k, int) else k
    x = leaf(n, c_in, h, w)
    wt = leaf(c_out, c_in // groups, kh, kw, scale=(c_in // groups * kh * kw) ** -0.5)
    b = leaf(c_out) if bias else None
    y = F.conv2d(x, wt, b, stride=stride, padding=pad, groups=groups)
    dy = torch.randn_like(y)
    y.backward(dy)
    inputs = {"x": nhwc(x), "weight": npy(wt), "d_y": nhwc(dy)}
    want = {"y": nhwc(y), "d_x": nhwc(x.grad), "d_weight": npy(wt.grad)}
    if bias:
        inputs["bias"] = npy(b)
        want["d_bias"] = npy(b.grad)
    return "conv2d", inputs, dict(stride=stride, pad=pad, groups=groups), want


def case_batchnorm(n, c, h, w, train, relu=False):
    bn = torch.nn.BatchNorm2d(c, eps=1e-5, momentum=0.1)
    with torch.no_grad():
        bn.weight.copy_(torch.rand(c) + 0.5)
        bn.bias.copy_(torch.randn(c))
        bn.running_mean.copy_(torch.randn(c))
        bn.running_var.copy_(torch.rand(c) + 0.5)
    inputs = {"gamma": npy(bn.weight), "beta": npy(bn.bias),
              "running_mean": npy(bn.running_mean), "running_var": npy(bn.running_var)}
    x = (torch.randn(n, c, h, w) * (torch.rand(1, c, 1, 1) * 3 + 0.1) + torch.randn(1, c, 1, 1) * 2)
    x.requires_grad_(True)
    inputs["x"] = nhwc(x)
    if not train:
        bn.eval()
        with torch.no_grad():
            y = bn(x)
        return "batchnorm_eval", inputs, {}, {"y": nhwc(y)}
    bn.train()
    y = bn(x)
    if relu:  # the ReLU after it, fused into the BN in training
        y = F.relu(y)
    dy = torch.randn_like(y)
    y.backward(dy)
    inputs["d_y"] = nhwc(dy)
    xd = x.detach().double()
    var = xd.var(dim=(0, 2, 3), unbiased=False)
    want = {"y": nhwc(y), "d_x": nhwc(x.grad), "d_gamma": npy(bn.weight.grad), "d_beta": npy(bn.bias.grad),
            "running_mean": npy(bn.running_mean), "running_var": npy(bn.running_var),
            "mean": npy(xd.mean(dim=(0, 2, 3))), "inv_std": npy(1 / torch.sqrt(var + 1e-5))}
    return "batchnorm_train", inputs, {"relu": 1} if relu else {}, want


def case_activation(kind, shape):
    x = leaf(*shape, scale=2.0)
    y = {"relu": torch.relu, "sigmoid": torch.sigmoid, "tanh": torch.tanh}[kind](x)
    dy = torch.randn_like(y)
    y.backward(dy)
    return ("activation", {"x": flat(x), "d_y": flat(dy)}, dict(kind=kind),
            {"y": flat(y), "d_x": flat(x.grad)})


def case_maxpool(n, c, h, w, k, stride, pad, ties=False):
    if ties:  # few distinct values: the first maximum in the window must win, as in PyTorch
        x = torch.randint(0, 3, (n, c, h, w)).float().requires_grad_(True)
    else:
        x = leaf(n, c, h, w)
    y = F.max_pool2d(x, k, stride, pad, ceil_mode=True)
    dy = torch.randn_like(y)
    y.backward(dy)
    return ("maxpool", {"x": nhwc(x), "d_y": nhwc(dy)}, dict(k=k, stride=stride, pad=pad, ceil=1),
            {"y": nhwc(y), "d_x": nhwc(x.grad)})


def case_global_pool(kind, n, c, h, w):
    x = leaf(n, c, h, w)
    pool = F.adaptive_max_pool2d if kind == "max" else F.adaptive_avg_pool2d
    y = pool(x, 1).flatten(1)
    dy = torch.randn_like(y)
    y.backward(dy)
    return ("global_%spool" % kind, {"x": nhwc(x), "d_y": npy(dy)}, {}, {"y": npy(y), "d_x": nhwc(x.grad)})


def case_linear(n, i, o, bias):
    lin = torch.nn.Linear(i, o, bias=bias)
    x = leaf(n, i)
    y = lin(x)
    dy = torch.randn_like(y)
    y.backward(dy)
    inputs = {"x": npy(x), "weight": npy(lin.weight), "d_y": npy(dy)}
    want = {"y": npy(y), "d_x": npy(x.grad), "d_weight": npy(lin.weight.grad)}
    if bias:
        inputs["bias"] = npy(lin.bias)
        want["d_bias"] = npy(lin.bias.grad)
    return "linear", inputs, {}, want


def case_channel_scale(n, c, h, w):
    x, s = leaf(n, c, h, w), torch.rand(n, c).requires_grad_(True)
    y = x * s.view(n, c, 1, 1)
    dy = torch.randn_like(y)
    y.backward(dy)
    return ("channel_scale", {"x": nhwc(x), "s": npy(s), "d_y": nhwc(dy)}, {},
            {"y": nhwc(y), "d_x": nhwc(x.grad), "d_s": npy(s.grad)})


def case_add(shape):
    a, b = leaf(*shape), leaf(*shape)
    y = a + b
    dy = torch.randn_like(y)
    y.backward(dy)
    return ("add", {"a": flat(a), "b": flat(b), "d_y": flat(dy)}, {},
            {"y": flat(y), "d_a": flat(a.grad), "d_b": flat(b.grad)})


def case_cross_entropy(n, k, smoothing):
    logits = leaf(n, k, scale=3.0)
    labels = torch.randint(0, k, (n,))
    loss = F.cross_entropy(logits, labels, label_smoothing=smoothing)
    d_loss = torch.randn(())
    loss.backward(d_loss)
    inputs = {"logits": npy(logits), "labels": labels.numpy().astype(np.int64), "d_loss": npy(d_loss).reshape(1)}
    return ("cross_entropy", inputs, dict(smoothing=smoothing),
            {"loss": npy(loss).reshape(1), "d_logits": npy(logits.grad)})


def case_se(n, c, h, w, hidden, squeeze, gate, bias, conv):
    """z = pool(x); h = relu(fc1(z)); s = gate(fc2(h)); y = x * s, with the
    excitation either 1x1 convolutions or linear layers."""
    if conv:
        fc1, fc2 = torch.nn.Conv2d(c, hidden, 1, bias=bias), torch.nn.Conv2d(hidden, c, 1, bias=bias)
    else:
        fc1, fc2 = torch.nn.Linear(c, hidden, bias=bias), torch.nn.Linear(hidden, c, bias=bias)
    if bias:
        with torch.no_grad():  # larger than the default init, so that they matter
            fc1.bias.uniform_(-0.5, 0.5)
            fc2.bias.uniform_(-0.5, 0.5)
    gate_fn = {"sigmoid": torch.sigmoid, "tanh": torch.tanh, "relu": torch.relu}[gate]
    x = leaf(n, c, h, w)
    z = (F.adaptive_max_pool2d if squeeze == "max" else F.adaptive_avg_pool2d)(x, 1)
    if not conv:
        z = z.flatten(1)
    hid = torch.relu(fc1(z))
    s = gate_fn(fc2(hid)).reshape(n, c)
    y = x * s.view(n, c, 1, 1)
    dy = torch.randn_like(y)
    y.backward(dy)
    inputs = {"x": nhwc(x), "w1": npy(fc1.weight).reshape(hidden, c),
              "w2": npy(fc2.weight).reshape(c, hidden), "d_y": nhwc(dy)}
    want = {"y": nhwc(y), "z": npy(z).reshape(n, c), "h": npy(hid).reshape(n, hidden), "s": npy(s),
            "d_x": nhwc(x.grad), "d_w1": npy(fc1.weight.grad).reshape(hidden, c),
            "d_w2": npy(fc2.weight.grad).reshape(c, hidden)}
    if bias:
        inputs["b1"], inputs["b2"] = npy(fc1.bias), npy(fc2.bias)
        want["d_b1"], want["d_b2"] = npy(fc1.bias.grad), npy(fc2.bias.grad)
    return "se", inputs, dict(squeeze=squeeze, gate=gate), want


def case_scale_add(n, c, h, w, hidden, relu):
    """Training's fusions: y = x * s + residual (ReLU when relu), s the SE gate of x
    (sigmoid, avg squeeze, linear excitation with biases); without hidden, y = x + residual."""
    x, residual = leaf(n, c, h, w), leaf(n, c, h, w)
    inputs = {"x": nhwc(x), "residual": nhwc(residual)}
    want = {}
    if hidden:
        fc1, fc2 = torch.nn.Linear(c, hidden), torch.nn.Linear(hidden, c)
        s = torch.sigmoid(fc2(torch.relu(fc1(F.adaptive_avg_pool2d(x, 1).flatten(1)))))
        y = x * s.view(n, c, 1, 1) + residual
        inputs.update({"w1": npy(fc1.weight), "b1": npy(fc1.bias), "w2": npy(fc2.weight), "b2": npy(fc2.bias)})
    else:
        y = x + residual
    if relu:
        y = torch.relu(y)
    dy = torch.randn_like(y)
    y.backward(dy)
    inputs["d_y"] = nhwc(dy)
    want.update({"y": nhwc(y), "d_x": nhwc(x.grad), "d_residual": nhwc(residual.grad)})
    if hidden:
        want.update({"d_w1": npy(fc1.weight.grad), "d_b1": npy(fc1.bias.grad), "d_w2": npy(fc2.weight.grad),
                     "d_b2": npy(fc2.bias.grad)})
    return "scale_add", inputs, dict(relu=int(relu)), want


def check_against_torch(case_fn, args, run):
    op, inputs, options, want = case_fn(*args)
    worst, name = compare(run(op, inputs, **options), want)
    return "max rel err %.1e (%s)" % (worst, name)


def check_dropout(run):
    """Dropout draws its own mask: check the mask's values and rate, then y
    and d_x against torch given that mask."""
    p, count = 0.3, 200003
    x = torch.randn(count)
    dy = torch.randn(count)
    got = run("dropout", {"x": npy(x), "d_y": npy(dy)}, p=p, seed=5)
    mask = torch.from_numpy(got["mask"].astype(np.float32))
    keep = np.float32(1) / np.float32(1 - p)
    values = set(np.unique(got["mask"]).tolist())
    if not values <= {0.0, float(keep)}:
        raise Failure("mask holds values other than 0 and 1/(1-p): %s" % sorted(values)[:5])
    rate = float((mask == 0).double().mean())
    if abs(rate - p) > 0.005:  # the standard deviation of the rate is 0.001
        raise Failure("dropped %.4f of the values, expected %.2f" % (rate, p))
    keep_mask = (mask != 0).float()
    want = {"y": npy(x * keep_mask / (1 - p)), "d_x": npy(dy * keep_mask / (1 - p))}
    worst, name = compare(got, want)
    return "rate %.4f, max rel err %.1e (%s)" % (rate, worst, name)


def build_cases():
    """[(label, check)]: check(run) returns a detail line or raises Failure."""
    cases = []

    def add(label, case_fn, *args):
        cases.append((label, lambda run: check_against_torch(case_fn, args, run)))

    conv = [  # n, c_in, h, w, c_out, k, stride, pad, groups, bias
        (2, 6, 7, 5, 4, 1, 1, 0, 1, True),       # pointwise: the GEMM on the input itself
        (2, 4, 7, 5, 6, 1, 2, 0, 1, False),      # strided 1x1: the downsampling shortcut
        (2, 8, 9, 7, 8, 1, 1, 0, 2, True),
        (1, 256, 7, 7, 64, 1, 1, 0, 1, False),   # bottleneck reduce
        (2, 3, 9, 7, 5, 3, 1, 1, 1, True),
        (1, 4, 9, 7, 6, 3, 2, 1, 2, False),
        (1, 8, 7, 5, 8, 3, 1, 1, 4, True),
        (1, 8, 9, 9, 8, 3, 2, 0, 4, False),
        (1, 5, 7, 9, 7, 3, 1, 0, 1, True),       # no padding
        (1, 16, 9, 9, 16, 3, 1, 1, 16, True),    # depthwise
        (1, 8, 10, 10, 16, 3, 2, 1, 8, False),   # depthwise, channel multiplier 2
        (1, 64, 15, 15, 64, 3, 1, 1, 1, False),  # K = 576 spans several GEMM panels
        # Winograd forward (3x3, stride 1, >= 16 channels) and its backward: odd maps,
        # C_in != C_out, no padding and padding 2.
        (2, 16, 9, 7, 32, 3, 1, 1, 1, True),
        (1, 32, 8, 9, 16, 3, 1, 0, 1, False),
        (1, 24, 5, 6, 17, 3, 1, 2, 1, False),
        (4, 16, 31, 33, 16, 3, 1, 1, 1, False),  # 12 chunks of tiles: each thread takes whole ones
        # the data gradient by Winograd too (both channel counts >= 16, C_in not 16 or 32): odd maps,
        # padding 0 (the transposed convolution's 2), 12 chunks of its tiles
        (3, 64, 9, 11, 48, 3, 1, 1, 1, False),
        (1, 40, 8, 7, 24, 3, 1, 0, 1, True),
        (4, 48, 31, 33, 16, 3, 1, 1, 1, False),
        # the weight gradient read from the padded input (C_in a multiple of 16, C_out of 8): strided,
        # 1x1 strided, 24 output channels (3 row blocks of 8), K = 9 x 48 in slices of 3 vectors
        (2, 16, 9, 9, 32, 3, 2, 1, 1, False),
        (2, 16, 9, 8, 32, 1, 2, 0, 1, True),
        (2, 16, 7, 6, 24, 3, 1, 1, 1, False),
        (2, 48, 6, 5, 8, 3, 1, 1, 1, False),
        # direct kernels (16 or 32 output channels, and the data gradient at 16 or 32 input channels):
        # padding 2 (the transposed convolution's 0), a 5x5 kernel, a row of 13 pixels (12 + 1)
        (2, 16, 5, 6, 16, 3, 1, 2, 1, True),
        (2, 32, 9, 13, 32, 5, 1, 2, 1, False),
        (1, 128, 9, 9, 128, 3, 1, 1, 32, False),  # ResNeXt 32x4d
        (1, 128, 8, 8, 128, 3, 2, 1, 32, False),
        (1, 256, 7, 7, 256, 3, 1, 1, 64, False),  # ResNeXt 64x4d
        (1, 256, 8, 8, 256, 3, 2, 1, 64, False),
        (2, 3, 33, 33, 16, 7, 2, 3, 1, False),   # the 7x7 stem, odd size
        (1, 3, 32, 32, 8, 7, 2, 3, 1, True),     # even size
        (1, 4, 9, 8, 4, 7, 1, 3, 2, False),
        (1, 4, 7, 9, 6, (1, 3), 1, 1, 2, True),  # non-square kernel
    ]
    for a in conv:
        k = a[5] if isinstance(a[5], int) else "%dx%d" % a[5]
        add("conv2d %dx%dx%dx%d->%d k%s s%d p%d g%d%s" % (a[0], a[1], a[2], a[3], a[4], k, a[6], a[7], a[8],
                                                         " bias" if a[9] else ""), case_conv2d, *a)
    for n, c, h, w in [(4, 16, 9, 9), (2, 32, 28, 28), (8, 8, 1, 1), (3, 64, 7, 5)]:
        add("batchnorm train %dx%dx%dx%d" % (n, c, h, w), case_batchnorm, n, c, h, w, True)
        add("batchnorm eval %dx%dx%dx%d" % (n, c, h, w), case_batchnorm, n, c, h, w, False)
    for n, c, h, w in [(4, 16, 9, 9), (3, 64, 7, 5)]:
        add("batchnorm train + relu %dx%dx%dx%d" % (n, c, h, w), case_batchnorm, n, c, h, w, True, True)
    for kind in ("relu", "sigmoid", "tanh"):
        add("%s 2x8x7x5" % kind, case_activation, kind, (2, 8, 7, 5))
    for n, c, h, w in [(1, 4, 112, 112), (1, 4, 113, 113), (2, 3, 7, 7), (2, 3, 8, 8)]:
        add("maxpool 3x3/2 ceil %dx%dx%dx%d" % (n, c, h, w), case_maxpool, n, c, h, w, 3, 2, 0)
    add("maxpool 3x3/2 ceil pad 1 2x3x9x10", case_maxpool, 2, 3, 9, 10, 3, 2, 1)
    add("maxpool 3x3/2 ceil ties 1x2x9x9", case_maxpool, 1, 2, 9, 9, 3, 2, 0, True)
    for kind in ("avg", "max"):
        for shape in [(2, 16, 7, 7), (3, 5, 1, 1), (2, 64, 14, 13)]:
            add("global %s pool %dx%dx%dx%d" % ((kind,) + shape), case_global_pool, kind, *shape)
    for n, i, o, bias in [(3, 7, 5, True), (3, 7, 5, False), (4, 70, 33, True), (16, 512, 10, True),
                          (8, 2048, 100, False)]:
        add("linear %dx%d->%d%s" % (n, i, o, " bias" if bias else ""), case_linear, n, i, o, bias)
    add("channel scale 2x8x7x5", case_channel_scale, 2, 8, 7, 5)
    add("channel scale 4x64x14x14", case_channel_scale, 4, 64, 14, 14)
    add("add 2x8x7x5", case_add, (2, 8, 7, 5))
    for n, k, ls in [(8, 10, 0.0), (8, 10, 0.1), (32, 1000, 0.0), (32, 1000, 0.1)]:
        add("cross-entropy %dx%d smoothing %.1f" % (n, k, ls), case_cross_entropy, n, k, ls)
    i = 0
    for squeeze in ("avg", "max"):
        for gate in ("sigmoid", "tanh", "relu"):
            for bias in (True, False):
                conv_fc = i % 2 == 0
                add("se 2x16x7x7 r4 squeeze %s gate %s%s (%s)" % (squeeze, gate, " bias" if bias else "",
                                                                  "conv1x1" if conv_fc else "linear"),
                    case_se, 2, 16, 7, 7, 4, squeeze, gate, bias, conv_fc)
                i += 1
    for hidden, relu in [(4, True), (4, False), (0, True)]:
        add("%s%s 3x32x9x7 (training's fusion)" % ("se+add" if hidden else "add", "+relu" if relu else ""),
            case_scale_add, 3, 32, 9, 7, hidden, relu)
    add("se 2x64x14x14 r16 squeeze avg gate sigmoid bias (conv1x1)", case_se, 2, 64, 14, 14, 4, "avg", "sigmoid",
        True, True)
    add("se 1x256x7x7 r16 squeeze max gate tanh (linear)", case_se, 1, 256, 7, 7, 16, "max", "tanh", False, False)
    cases.append(("dropout p=0.3 200003 (mask from the runner)", check_dropout))
    return cases


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runner", required=True, help="path of the op_runner executable")
    ap.add_argument("--only", default=None, help="run only the cases whose name contains this text")
    args = ap.parse_args()
    torch.set_num_threads(2)
    print("torch %s, float32, tolerance %.0e on max|ours - torch| / max|torch| per tensor" % (
        torch.__version__, TOLERANCE))
    runner = os.path.abspath(args.runner)
    if not os.access(runner, os.X_OK):
        print("FAIL op_runner not found at %s" % runner)
        print("0 passed, 1 failed")
        return 1
    # SENET_ISA naming a kernel this CPU lacks: a skip (CTest's code 77), not a pass.
    check = subprocess.run([runner, "--isa-check"], stdout=subprocess.PIPE, universal_newlines=True)
    if check.returncode == 77:
        print("SKIP: %s" % check.stdout.strip())
        return 77
    if check.returncode != 0:
        print("FAIL: %s" % check.stdout.strip())
        print("0 passed, 1 failed")
        return 1
    passed = failed = 0
    start = time.time()
    with tempfile.TemporaryDirectory(prefix="senet_ops_") as tmp:
        run = Runner(runner, tmp)
        for index, (label, check) in enumerate(build_cases()):
            if args.only and args.only not in label:
                continue
            torch.manual_seed(1000 + index)
            try:
                detail = check(run)
                print("PASS %-62s %s" % (label, detail), flush=True)
                passed += 1
            except Failure as e:
                print("FAIL %-62s %s" % (label, e), flush=True)
                failed += 1
            except Exception as e:  # a broken case is a failure, not a crash that hides the rest
                print("FAIL %-62s %s: %s" % (label, type(e).__name__, e), flush=True)
                failed += 1
    print("%d passed, %d failed (%.1f s)" % (passed, failed, time.time() - start))
    return 0 if passed and not failed else 1


if __name__ == "__main__":
    sys.exit(main())
