"""Shared helpers of the PyTorch reference tests.

Each test script: `python3 test_x.py --senet build/senet`. It prints one line
per case, then "N passed, M failed", and exits 1 if anything failed (or if
nothing ran). Nothing is skipped: a missing binary is a failure.
"""

import argparse
import os
import shlex
import shutil
import subprocess
import sys
import tempfile
import time
import traceback

# Idle OpenMP threads sleep rather than spin, in torch (set before it loads) and in the
# tool: on a loaded machine (ctest -j, two cores) spinning workers of a program with many
# short parallel regions run up to ~20x slower.
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

import numpy as np  # noqa: E402
import torch  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
if HERE not in sys.path:
    sys.path.insert(0, HERE)

import models  # noqa: E402
import st_numpy  # noqa: E402

REPO = os.path.dirname(os.path.dirname(HERE))


class Failure(Exception):
    """A case failed; the message says why."""


def parse_args(description, extra=()):
    """The common options (--senet, --only, --keep, -v) plus extra [(names, kwargs)]."""
    p = argparse.ArgumentParser(description=description)
    for names, kw in extra:
        p.add_argument(*names, **kw)
    p.add_argument("--senet", default=os.path.join(REPO, "build", "senet"),
                   help="path of the senet command-line tool (default: build/senet)")
    p.add_argument("--only", default=None,
                   help="run only the cases whose name contains this text (for debugging)")
    p.add_argument("--keep", action="store_true", help="keep the temporary files")
    p.add_argument("-v", "--verbose", action="store_true", help="print each command")
    args = p.parse_args()
    args.senet = os.path.abspath(args.senet)
    return args


class Runner:
    """Runs named cases, prints a line for each, and totals them."""

    def __init__(self, args, need_binary=True):
        self.args = args
        self.passed = 0
        self.failed = 0
        self.failures = []
        tmp_root = os.environ.get("SENET_TEST_TMPDIR") or None
        self.tmp = tempfile.mkdtemp(prefix="senet_ref_", dir=tmp_root)
        torch.set_num_threads(max(1, os.cpu_count() or 1))
        if need_binary and not (os.path.isfile(args.senet) and os.access(args.senet, os.X_OK)):
            print("FAIL setup: senet binary not found or not executable: %s" % args.senet)
            self.failed += 1
            self.finish()

    def path(self, name):
        return os.path.join(self.tmp, name)

    def case(self, name, fn, *a, **kw):
        if self.args.only and self.args.only not in name:
            return
        t0 = time.time()
        try:
            detail = fn(*a, **kw)
        except Failure as e:
            self.failed += 1
            self.failures.append(name)
            print("FAIL %s (%.1fs): %s" % (name, time.time() - t0, e), flush=True)
        except Exception:  # a bug in the test or an unreadable output file
            self.failed += 1
            self.failures.append(name)
            print("FAIL %s (%.1fs): exception\n%s" % (name, time.time() - t0, traceback.format_exc()),
                  flush=True)
        else:
            self.passed += 1
            print("ok   %s (%.1fs)%s" % (name, time.time() - t0, "  " + detail if detail else ""),
                  flush=True)
        finally:
            if not self.args.keep:
                for f in os.listdir(self.tmp):
                    try:
                        os.remove(os.path.join(self.tmp, f))
                    except OSError:
                        pass

    def finish(self):
        print("%d passed, %d failed" % (self.passed, self.failed))
        if self.failures:
            print("failed: " + ", ".join(self.failures))
        if self.args.keep:
            print("temporary files kept in %s" % self.tmp)
        else:
            shutil.rmtree(self.tmp, ignore_errors=True)
        sys.exit(1 if self.failed or not self.passed else 0)

    # ---- running the tool ----
    def run(self, argv, expect_ok=True, timeout=900):
        """Runs senet with argv; raises Failure (showing stderr) when the exit status is not as expected."""
        cmd = [self.args.senet] + [str(a) for a in argv]
        if self.args.verbose:
            print("  $ " + " ".join(shlex.quote(c) for c in cmd), flush=True)
        try:
            proc = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                  timeout=timeout, universal_newlines=True)
        except subprocess.TimeoutExpired:
            raise Failure("timed out after %ds: %s" % (timeout, " ".join(shlex.quote(c) for c in cmd)))
        if proc.returncode < 0:
            raise Failure("killed by signal %d: %s\nstderr:\n%s" % (
                -proc.returncode, " ".join(shlex.quote(c) for c in cmd), proc.stderr.strip()))
        if expect_ok and proc.returncode != 0:
            raise Failure("exit status %d: %s\nstderr:\n%s" % (
                proc.returncode, " ".join(shlex.quote(c) for c in cmd), proc.stderr.strip()))
        if not expect_ok and proc.returncode == 0:
            raise Failure("expected a non-zero exit status, got 0: %s" % " ".join(shlex.quote(c) for c in cmd))
        return proc


# ---- SE options: torch keyword arguments <-> CLI flags ----
def se_flags(se):
    """{"reduction": 8, "mode": "pre", "stages": "2,3", "bias": False, ...} -> CLI flags."""
    flags = []
    for key, flag in (("reduction", "--se-reduction"), ("squeeze", "--se-squeeze"),
                      ("gate", "--se-gate"), ("mode", "--se-mode")):
        if key in se:
            flags += [flag, str(se[key])]
    if "stages" in se:
        st = se["stages"]
        if not isinstance(st, str):
            st = ",".join(str(s) for s in sorted(st)) if st else "none"
        flags += ["--se-stages", st]
    if "bias" in se:
        flags += ["--se-bias", "1" if se["bias"] else "0"]
    return flags


def se_desc(se):
    return " ".join("%s=%s" % (k, se[k]) for k in sorted(se)) if se else "defaults"


# ---- tensors and files ----
def state_dict_numpy(model):
    """The state dict as numpy arrays (float32; num_batches_tracked stays int64, 0-d)."""
    out = {}
    for k, v in model.state_dict().items():
        v = v.detach().cpu()
        out[k] = v.numpy().astype(np.int64) if v.dtype == torch.int64 else v.numpy().astype(np.float32)
    return out


def save_model(model, path, dtypes=None):
    st_numpy.save(path, state_dict_numpy(model), dtypes=dtypes)


def load_into(model, tensors):
    """load_state_dict(strict=True) from numpy arrays; raises Failure with torch's message."""
    sd = {k: torch.from_numpy(np.ascontiguousarray(v)) for k, v in tensors.items()}
    try:
        model.load_state_dict(sd, strict=True)
    except RuntimeError as e:
        raise Failure("torch load_state_dict(strict=True) rejects the file: %s" % str(e)[:2000])


def randomize_for_eval(model, gen, calib_input):
    """Non-trivial eval-mode state that keeps activations O(1) at any depth.

    Random BN affine parameters and SE biases; then one eval-mode pass over calib_input
    in which each BN, just before it runs, takes the statistics of its actual input
    (upstream perturbations included) and perturbs them mildly (mean by 0.1 std, variance
    by 0.8-1.25x). The running statistics thus differ from the batch statistics (a tool
    that normalised with batch statistics in eval mode would fail), yet no error
    compounds with depth: statistics calibrated any other way (on another batch, or
    perturbed after calibrating) let a 100-layer net, or an SE with a ReLU gate (whose
    output is quadratic in its input), grow activations to 1e10 or overflow, where
    float32 rounding alone moves the logits. Pass the batch the test will run.
    Eval mode on return."""
    bns = [m for m in model.modules() if isinstance(m, torch.nn.BatchNorm2d)]

    def calibrate(m, inputs):
        if m.num_batches_tracked.item() == 0:
            x = inputs[0]
            mean = x.mean(dim=(0, 2, 3))
            var = x.var(dim=(0, 2, 3), unbiased=False)
            c = m.num_features
            m.running_mean.copy_(mean + 0.1 * torch.randn(c, generator=gen) * var.sqrt())
            # The floor keeps a nearly constant channel from being scaled up by 1/sqrt(eps)
            # into a gain that turns float32 rounding into logit-sized differences.
            floor = 0.1 * float(var.mean())
            m.running_var.copy_((var + floor) * torch.empty(c).uniform_(0.8, 1.25, generator=gen))
            m.num_batches_tracked.fill_(1)

    with torch.no_grad():
        for m in bns:
            c = m.num_features
            m.weight.copy_(torch.empty(c).uniform_(0.5, 1.0, generator=gen))
            m.bias.copy_(0.1 * torch.randn(c, generator=gen))
            m.reset_running_stats()
        # The last BN of each residual branch gets a small scale, so that a block is the
        # identity plus a modest branch: otherwise every block amplifies what reaches it
        # and over 50 blocks float32 rounding grows to 1e-3 of the logits (torch float32
        # against float64). As in Fixup or zero-gamma initialisation.
        for m in model.modules():
            if isinstance(m, models._Block):
                last = m.bn3 if hasattr(m, "bn3") else m.bn2
                last.weight.copy_(torch.empty(last.num_features).uniform_(0.1, 0.4, generator=gen))
        # SE gates near 1 with a visible dependence on the input: fc2's bias sits around
        # +1, so that an SE on the residual stream (post, identity) neither shrinks it
        # geometrically into float32 underflow nor, with a ReLU gate, grows it.
        for name, p in model.named_parameters():
            if ".se_module.fc1." in name and name.endswith(".bias"):
                p.copy_(0.5 * torch.randn(p.shape, generator=gen))
            elif ".se_module.fc2." in name and name.endswith(".bias"):
                p.copy_(1.0 + 0.3 * torch.randn(p.shape, generator=gen))
        hooks = [m.register_forward_pre_hook(calibrate) for m in bns]
        model.eval()
        try:
            model(calib_input)
        finally:
            for hk in hooks:
                hk.remove()
    model.eval()


def rel_err(a, ref, floor=1e-6):
    """max |a - ref| / max(max |ref|, floor)."""
    a = np.asarray(a, dtype=np.float64)
    ref = np.asarray(ref, dtype=np.float64)
    if a.shape != ref.shape:
        raise Failure("shape %s, expected %s" % (a.shape, ref.shape))
    if not np.all(np.isfinite(a)):
        return float("inf")
    if a.size == 0:
        return 0.0
    return float(np.max(np.abs(a - ref)) / max(float(np.max(np.abs(ref))), floor))


def read_output(path, names):
    """Loads a safetensors file the tool wrote and checks that it holds the given names."""
    if not os.path.isfile(path):
        raise Failure("the tool wrote no output file %s" % path)
    tensors = st_numpy.load(path)
    missing = [n for n in names if n not in tensors]
    if missing:
        raise Failure("output %s lacks %s (has %s)" % (
            os.path.basename(path), ", ".join(missing[:5]), ", ".join(sorted(tensors)[:5])))
    return tensors
