"""PyTorch side of the side-by-side benchmark (bench/run.sh), and the ONNX export for ONNX Runtime.

The networks are the PyTorch reference models of the test suite (tests/ref/models.py: the same
layouts, parameter names and counts as senet's), with their default random initialisation.

  torch_bench.py --arch A --batch N --threads T [--input-size S] [--runs R] [--warmup W] [--train]
      prints one JSON object with the keys of 'senet bench --json' (ms_median, ms_min, ms_runs,
      img_per_s, peak_rss_mb, ...).
  torch_bench.py --arch A --export-onnx PATH [--input-size S]
      writes the eval-mode model to PATH (opset 13, dynamic batch dimension).

Inference runs PyTorch's best CPU mode for 1.13: channels_last weights and input, torch.jit.trace,
then torch.jit.freeze + torch.jit.optimize_for_inference (BN folded into the convolutions, oneDNN
convolutions with prepacked weights), under torch.no_grad(). The TorchScript profiling executor
optimises the graph during the first calls, so at least two warm-up calls are made whatever --warmup
says. Training is eager mode: cross-entropy on random labels, backward, torch.optim.SGD (lr 1e-3,
momentum 0.9, weight decay 1e-4: the same step as 'senet bench --train'), in NCHW or, with
--channels-last, in channels_last; neither is faster everywhere, so run.sh times both and keeps the
faster.
"""
import argparse
import json
import os
import resource
import sys
import time

import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests", "ref"))
import models  # noqa: E402



def peak_rss_mb():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0  # Linux: kilobytes


def time_calls(fn, runs, warmup):
    for _ in range(warmup):
        fn()
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        fn()
        times.append((time.perf_counter() - t0) * 1e3)
    return times


def inference(model, x, runs, warmup):
    model = model.eval().to(memory_format=torch.channels_last)
    x = x.contiguous(memory_format=torch.channels_last)
    with torch.no_grad():
        traced = torch.jit.trace(model, x, check_trace=False)  # the check re-traces: minutes on senet154
        fast = torch.jit.optimize_for_inference(torch.jit.freeze(traced))
        return time_calls(lambda: fast(x), runs, max(warmup, 2))


def training(model, x, labels, runs, warmup, channels_last):
    model = model.train()
    if channels_last:
        model = model.to(memory_format=torch.channels_last)
        x = x.contiguous(memory_format=torch.channels_last)
    opt = torch.optim.SGD(model.parameters(), lr=1e-3, momentum=0.9, weight_decay=1e-4)

    def step():
        opt.zero_grad(set_to_none=True)
        F.cross_entropy(model(x), labels).backward()
        opt.step()

    return time_calls(step, runs, warmup)


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--arch", required=True)
    p.add_argument("--batch", type=int, default=1)
    p.add_argument("--threads", type=int, default=os.cpu_count())
    p.add_argument("--input-size", type=int, default=None)
    p.add_argument("--runs", type=int, default=10)
    p.add_argument("--warmup", type=int, default=2)
    p.add_argument("--train", action="store_true")
    p.add_argument("--channels-last", action="store_true", help="train in channels_last (inference always is)")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--export-onnx", metavar="PATH")
    a = p.parse_args()

    torch.manual_seed(a.seed)
    size = a.input_size or (224 if models.family(a.arch) == "imagenet" else 32)
    model = models.build(a.arch)

    if a.export_onnx:
        model.eval()
        x = torch.randn(1, 3, size, size)
        torch.onnx.export(model, x, a.export_onnx, opset_version=13, do_constant_folding=True,
                          input_names=["input"], output_names=["logits"],
                          dynamic_axes={"input": {0: "batch"}, "logits": {0: "batch"}})
        return

    torch.set_num_threads(a.threads)
    torch.set_num_interop_threads(1)
    x = torch.randn(a.batch, 3, size, size)
    if a.train:
        labels = torch.randint(0, model.last_linear.out_features, (a.batch,))
        times = training(model, x, labels, a.runs, a.warmup, a.channels_last)
    else:
        times = inference(model, x, a.runs, a.warmup)
    srt = sorted(times)
    n = len(srt)
    median = srt[n // 2] if n % 2 else 0.5 * (srt[n // 2 - 1] + srt[n // 2])
    print(json.dumps({
        "engine": "pytorch", "version": torch.__version__, "arch": a.arch, "batch": a.batch,
        "threads": torch.get_num_threads(), "input_size": [size, size], "train": a.train,
        "channels_last": a.channels_last or not a.train, "runs": a.runs, "warmup": a.warmup,
        "ms_median": median, "ms_min": srt[0], "ms_runs": times,
        "img_per_s": a.batch / (median * 1e-3), "peak_rss_mb": peak_rss_mb(),
    }))


if __name__ == "__main__":
    main()
