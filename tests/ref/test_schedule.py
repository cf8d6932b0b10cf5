"""Learning-rate schedules (senet_lr_at in libsenet, through ctypes) against
torch.optim.lr_scheduler: MultiStepLR, CosineAnnealingLR, LinearLR warm-up."""
import argparse
import ctypes
import sys

import torch


class Schedule(ctypes.Structure):
    _fields_ = [("kind", ctypes.c_int), ("base_lr", ctypes.c_double), ("gamma", ctypes.c_double),
                ("milestones", ctypes.c_int * 8), ("num_milestones", ctypes.c_int),
                ("total_epochs", ctypes.c_double), ("min_lr", ctypes.c_double),
                ("warmup_epochs", ctypes.c_double), ("warmup_start", ctypes.c_double)]


def torch_lrs(make, epochs, base_lr=0.1):
    opt = torch.optim.SGD([torch.nn.Parameter(torch.zeros(1))], lr=base_lr)
    sched = make(opt)
    out = []
    for _ in range(epochs):
        out.append(opt.param_groups[0]["lr"])
        opt.step()
        sched.step()
    return out


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--lib", required=True, help="path of libsenet.so")
    args = p.parse_args()
    lib = ctypes.CDLL(args.lib)
    lib.senet_lr_at.restype = ctypes.c_double
    lib.senet_lr_at.argtypes = [ctypes.POINTER(Schedule), ctypes.c_double]
    cases = []
    s = Schedule(kind=1, base_lr=0.1, gamma=0.1, num_milestones=2)
    s.milestones[0], s.milestones[1] = 50, 75
    cases.append(("multistep 50,75 x0.1", s, lambda o: torch.optim.lr_scheduler.MultiStepLR(o, [50, 75], 0.1), 100))
    s = Schedule(kind=2, base_lr=0.1, total_epochs=30, min_lr=1e-4)
    cases.append(("cosine 30 epochs to 1e-4", s,
                  lambda o: torch.optim.lr_scheduler.CosineAnnealingLR(o, T_max=30, eta_min=1e-4), 31))
    # (past T_max torch climbs back up the cosine; senet stays at min_lr)
    s = Schedule(kind=0, base_lr=0.1, warmup_epochs=5, warmup_start=0.1)
    cases.append(("linear warm-up 5 epochs from 0.1x", s,
                  lambda o: torch.optim.lr_scheduler.LinearLR(o, start_factor=0.1, total_iters=5), 10))
    passed = failed = 0
    for name, sched, make, epochs in cases:
        ref = torch_lrs(make, epochs)
        got = [lib.senet_lr_at(ctypes.byref(sched), float(e)) for e in range(epochs)]
        err = max(abs(a - b) / max(abs(b), 1e-12) for a, b in zip(got, ref))
        ok = err <= 1e-6
        passed += ok
        failed += not ok
        print("%s %s: max relative error %.2e over %d epochs" % ("ok  " if ok else "FAIL", name, err, epochs))
    print("%d passed, %d failed" % (passed, failed))
    return 1 if failed or not passed else 0


if __name__ == "__main__":
    sys.exit(main())
